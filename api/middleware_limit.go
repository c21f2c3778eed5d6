package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// maxBody is the largest request body accepted (1 MiB); every resource is
// far smaller.
const maxBody = 1 << 20

// limitBody refuses larger bodies with 413 before anything reads them.
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := int64(maxBody)
		if c.Request.Method == http.MethodPost && c.Request.URL.Path == "/api/v1/imports" {
			limit = maxImportBody // a center's workers in one CSV
		}
		if c.Request.ContentLength > limit {
			problemf(c, codeTooLarge, "the body is %d bytes; the limit is %d", c.Request.ContentLength, limit)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

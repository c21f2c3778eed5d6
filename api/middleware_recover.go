package api

import (
	"fmt"
	"runtime/debug"

	"github.com/gin-gonic/gin"
)

// recoverPanics answers a panic with a 500 problem and logs the stack.
func recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				logger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					fail(c, fmt.Errorf("panic: %v", r))
				}
			}
		}()
		c.Next()
	}
}

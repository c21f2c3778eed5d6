package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// maxImportBody is the largest import file the API reads (16 MiB, some
// 60,000 rows); every other body keeps maxBody.
const maxImportBody = 16 << 20

// ImportWorkers brings in the workers a center already has under contract
// from a CSV (app.App.Import): 200 with what was imported and each refusal.
func (s *Server) ImportWorkers(c *gin.Context, params ImportWorkersParams) {
	data, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		problemf(c, codeTooLarge, "the file is larger than %d bytes; import it in parts", maxImportBody)
		return
	}
	if err != nil {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "file", Message: "could not be read: " + err.Error()}}))
		return
	}
	opt := app.ImportOptions{Encoding: app.EncodingAuto, Check: deref(params.Check)}
	if params.Encoding != nil {
		opt.Encoding = string(*params.Encoding)
	}
	actor, _ := actorOf(c)
	res, err := s.app().Import(c.Request.Context(), actor, data, opt)
	if err != nil {
		fail(c, err)
		return
	}
	if res.Problems == nil {
		res.Problems = []app.ImportProblem{}
	}
	c.JSON(http.StatusOK, res)
}

package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

// CodecOptions configure the codec endpoint, through which the Temporal
// Web UI (and the temporal CLI's --codec-endpoint) shows staff the
// payloads that Temporal stores encrypted.
type CodecOptions struct {
	// Codec seals and opens payloads (the one the Temporal client uses).
	// Nil: the endpoint answers 404.
	Codec converter.PayloadCodec
	// Namespace is the only Temporal namespace this installation decodes.
	Namespace string
	// UIOrigin is the Temporal Web UI's origin, the only one allowed
	// cross-origin (CORS); empty allows none.
	UIOrigin string
}

// maxCodecBody bounds a batch of payloads: the UI sends a history page's.
const maxCodecBody = 4 << 20

// codecRoutes serves Temporal's remote-codec protocol at
// /codec/{namespace}/decode and /encode: a JSON Payloads message in, the
// same out. A staff token is required: decoding is reading (viewer), and
// encoding is how the UI sends a signal or starts a workflow with input,
// a step (staff). The Temporal UI sends the token it holds when its codec
// setting "pass access token" is on, or the person pastes theirs.
func (s *Server) codecRoutes(e *gin.Engine) {
	g := e.Group("/codec/:namespace", s.codecCORS)
	g.OPTIONS("/decode", preflight)
	g.OPTIONS("/encode", preflight)
	auth := authorize(s.DB)
	g.POST("/decode", auth, s.codecHandler(func(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
		return s.Codec.Codec.Decode(ps)
	}))
	g.POST("/encode", auth, s.codecHandler(func(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
		return s.Codec.Codec.Encode(ps)
	}))
}

// codecCORS lets only the configured Temporal UI origin call the endpoint
// from a browser, with credentials. A request with any other Origin is
// refused outright, not merely left without CORS headers, so a page
// elsewhere cannot even spend a token's requests. Requests without an
// Origin (the CLI, curl) are not cross-origin and pass on to the token
// check.
func (s *Server) codecCORS(c *gin.Context) {
	origin := c.GetHeader("Origin")
	c.Header("Vary", "Origin")
	if origin != "" {
		if s.Codec.UIOrigin == "" || origin != s.Codec.UIOrigin {
			problemf(c, ippo.EFORBIDDEN, "the origin %s may not use the codec endpoint; set IPPO_TEMPORAL_UI_ORIGIN to the Temporal Web UI's origin", origin)
			return
		}
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
		h.Set("Access-Control-Max-Age", "600")
	}
	c.Next()
}

func preflight(c *gin.Context) { c.Status(http.StatusNoContent) }

func (s *Server) codecHandler(apply func([]*commonpb.Payload) ([]*commonpb.Payload, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.Codec.Codec == nil {
			problemf(c, codeNoRoute, "this installation has no codec endpoint")
			return
		}
		if ns := c.Param("namespace"); ns != s.Codec.Namespace {
			problemf(c, ippo.ENOTFOUND, "the namespace %q is not this installation's (%s)", ns, s.Codec.Namespace)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxCodecBody))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			problemf(c, codeTooLarge, "the body is over %d bytes; send fewer payloads at once", maxCodecBody)
			return
		}
		if err != nil {
			problemf(c, codeMalformed, "the body could not be read")
			return
		}
		var in commonpb.Payloads
		if err := protojson.Unmarshal(body, &in); err != nil {
			fail(c, ippo.Invalid([]ippo.FieldError{{Field: "payloads", Message: "must be Temporal's Payloads message in JSON: {\"payloads\": [{\"metadata\": {...}, \"data\": \"<base64>\"}]}"}}))
			return
		}
		out, err := apply(in.Payloads)
		if err != nil {
			// The codec's errors name a key id or say the payload does
			// not open; they carry nothing secret.
			fail(c, ippo.Invalid([]ippo.FieldError{{Field: "payloads", Message: err.Error()}}))
			return
		}
		b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
		if err != nil {
			fail(c, err)
			return
		}
		c.Data(http.StatusOK, "application/json", b)
	}
}

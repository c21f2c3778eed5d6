package api

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"

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
// a step (staff). The token comes as Authorization: Bearer (the temporal
// CLI's --codec-auth), or as the cookie /codec/signin sets, which the
// Temporal Web UI sends with "include cross-origin credentials" on.
func (s *Server) codecRoutes(e *gin.Engine) {
	e.GET("/codec/signin", s.codecSignin)
	e.POST("/codec/signin", s.codecSignin)
	e.POST("/codec/signout", s.codecSignout)
	g := e.Group("/codec/:namespace", s.codecCORS)
	g.OPTIONS("/decode", preflight)
	g.OPTIONS("/encode", preflight)
	auth := authorize(s.DB)
	g.POST("/decode", tokenFromCookie, auth, s.codecHandler(func(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
		return s.Codec.Codec.Decode(ps)
	}))
	g.POST("/encode", tokenFromCookie, auth, s.codecHandler(func(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
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

// codecCookie holds a staff token for the codec endpoint, for the Temporal
// Web UI, which can send cookies ("include cross-origin credentials") but
// not a token of Ippo's. Path /codec/ only; HttpOnly.
const codecCookie = "ippo_codec"

// codecSignin serves a small page where staff paste their token once, so
// the Temporal Web UI can decode payloads for them (GET shows the form,
// POST checks the token and sets the cookie).
func (s *Server) codecSignin(c *gin.Context) {
	if c.Request.Method == http.MethodGet {
		renderSignin(c, http.StatusOK, signinPage{})
		return
	}
	secret := strings.TrimSpace(c.PostForm("token"))
	if secret == "" {
		renderSignin(c, http.StatusUnprocessableEntity, signinPage{Error: "トークンを入力してください。"})
		return
	}
	t, err := s.DB.TokenBySecret(c.Request.Context(), secret)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		renderSignin(c, http.StatusUnauthorized, signinPage{Error: "このトークンは使えません。管理者に新しいトークンを発行してもらってください。"})
		return
	}
	if err != nil {
		logger(c).Warn("codec sign-in: token lookup failed", "error", err.Error())
		renderSignin(c, http.StatusServiceUnavailable, signinPage{Error: "いまサインインできません。少し待ってから、もう一度お試しください。"})
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: codecCookie, Value: secret, Path: "/codec/", MaxAge: 8 * 60 * 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.Codec.UIOrigin, "https://"),
	})
	logger(c).Info("codec sign-in", "token_id", t.ID)
	renderSignin(c, http.StatusOK, signinPage{Done: true})
}

// codecSignout forgets the cookie.
func (s *Server) codecSignout(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: codecCookie, Value: "", Path: "/codec/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	c.Status(http.StatusNoContent)
}

// tokenFromCookie lets the cookie stand for the Authorization header when
// the request has none (authorize reads the header).
func tokenFromCookie(c *gin.Context) {
	if c.GetHeader("Authorization") == "" {
		if v, err := c.Cookie(codecCookie); err == nil && v != "" {
			c.Request.Header.Set("Authorization", "Bearer "+v)
		}
	}
	c.Next()
}

type signinPage struct {
	Error string
	Done  bool
}

func renderSignin(c *gin.Context, status int, p signinPage) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	if err := signinTemplate.Execute(c.Writer, p); err != nil {
		logger(c).Error("render codec sign-in", "error", err.Error())
	}
}

var signinTemplate = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Temporal の画面で内容を読む — 一歩</title>
<style>body{font:16px/1.7 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;font-weight:bold}input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #555}
button{font:inherit;padding:.5rem 1.5rem;margin-top:1rem}.error{color:#b00020;font-weight:bold}
:focus{outline:3px solid #0046c8;outline-offset:2px}</style></head><body>
<h1>Temporal の画面で内容を読む</h1>
{{if .Done}}<p>サインインしました。Temporal の画面に戻ると、内容が読めます(8時間有効です)。</p>
{{else}}<p>Temporal の画面に表示される内容は暗号化されています。スタッフのトークンでサインインすると、この端末のブラウザで読めるようになります。</p>
{{if .Error}}<p class="error" id="token-error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/codec/signin">
<label for="token">スタッフのトークン</label>
<input id="token" name="token" type="password" autocomplete="off" required{{if .Error}} aria-invalid="true" aria-describedby="token-error"{{end}}>
<button type="submit">サインインする</button>
</form>{{end}}
</body></html>
`))

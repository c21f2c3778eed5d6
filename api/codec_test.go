package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ippo-center/ippo/codec"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

const codecUIOrigin = "http://temporal-ui.test:8233"

// sealed is a payload as Temporal stores it: encrypted with the tests' key.
func sealed(t *testing.T, v any) []byte {
	t.Helper()
	p, err := temporaltest.Codec().DataConverter().ToPayload(v)
	require.NoError(t, err)
	require.Equal(t, codec.Encoding, string(p.Metadata[converter.MetadataEncoding]))
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	require.NoError(t, err)
	return b
}

func payloadsOf(t *testing.T, body []byte) []*commonpb.Payload {
	t.Helper()
	var ps commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(body, &ps), "%s", body)
	return ps.Payloads
}

// TestCodecEndpointDecodesForStaff: the Temporal UI's remote-codec call
// gets the plain payload back, with CORS headers for the UI's origin.
func TestCodecEndpointDecodesForStaff(t *testing.T) {
	e := newEnv(t)
	body := sealed(t, map[string]string{"WorkerID": "w-1"})
	for _, role := range []string{"viewer", "staff", "admin"} {
		rec := e.call(role, "POST", "/codec/default/decode", body, "Origin", codecUIOrigin, "X-Namespace", "default")
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", role, rec.Body.String())
		require.Equal(t, codecUIOrigin, rec.Header().Get("Access-Control-Allow-Origin"))
		require.Equal(t, "true", rec.Header().Get("Access-Control-Allow-Credentials"))
		ps := payloadsOf(t, rec.Body.Bytes())
		require.Len(t, ps, 1)
		require.Equal(t, "json/plain", string(ps[0].Metadata[converter.MetadataEncoding]))
		var got map[string]string
		require.NoError(t, json.Unmarshal(ps[0].Data, &got))
		require.Equal(t, "w-1", got["WorkerID"])
	}

	// Encoding (the UI starting a workflow or sending a signal) is a step: staff.
	plain, err := converter.GetDefaultDataConverter().ToPayload("x")
	require.NoError(t, err)
	in, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{plain}})
	require.NoError(t, err)
	rec := e.call("staff", "POST", "/codec/default/encode", in)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	ps := payloadsOf(t, rec.Body.Bytes())
	require.Equal(t, codec.Encoding, string(ps[0].Metadata[converter.MetadataEncoding]))
	require.Equal(t, "test-1", string(ps[0].Metadata[codec.MetadataKeyID]))

	// A preflight from the UI is answered without a token.
	rec = e.call("", "OPTIONS", "/codec/default/decode", nil, "Origin", codecUIOrigin, "Access-Control-Request-Method", "POST")
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, codecUIOrigin, rec.Header().Get("Access-Control-Allow-Origin"))
}

// TestCodecEndpointRefuses: no token, a viewer encoding, another origin,
// another namespace, a body that is not Payloads, a payload sealed with a
// key that is not configured. None of them decodes anything.
func TestCodecEndpointRefuses(t *testing.T) {
	e := newEnv(t)
	body := sealed(t, map[string]string{"WorkerID": "w-2"})

	rec := e.call("", "POST", "/codec/default/decode", body, "Origin", codecUIOrigin)
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.NotContains(t, rec.Body.String(), "w-2")
	// The UI can read the refusal (CORS headers on errors too).
	require.Equal(t, codecUIOrigin, rec.Header().Get("Access-Control-Allow-Origin"))

	rec = e.call("", "POST", "/codec/default/decode", body, "Authorization", "Bearer not-a-token")
	require.Equal(t, http.StatusUnauthorized, rec.Code)

	rec = e.call("viewer", "POST", "/codec/default/encode", body)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "staff role")

	for _, origin := range []string{"http://evil.test", "http://temporal-ui.test:9999", "null"} {
		rec = e.call("admin", "POST", "/codec/default/decode", body, "Origin", origin)
		require.Equal(t, http.StatusForbidden, rec.Code, origin)
		require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), origin)
		require.NotContains(t, rec.Body.String(), "w-2")
		rec = e.call("", "OPTIONS", "/codec/default/decode", nil, "Origin", origin, "Access-Control-Request-Method", "POST")
		require.Equal(t, http.StatusForbidden, rec.Code, origin)
		require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), origin)
	}

	rec = e.call("admin", "POST", "/codec/other/decode", body)
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())

	rec = e.call("admin", "POST", "/codec/default/decode", `{"payloads": "nope"}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"field":"payloads"`)

	other, err := codec.ParseKeys("retired:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	require.NoError(t, err)
	p, err := codec.New(other...).DataConverter().ToPayload("secret")
	require.NoError(t, err)
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	require.NoError(t, err)
	rec = e.call("admin", "POST", "/codec/default/decode", b)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `retired`)
}

// TestCodecSigninForTheWebUI: staff paste their token once; the cookie
// then stands for it on the codec endpoint (the Temporal Web UI sends
// cookies, not Ippo's tokens). A wrong token sets nothing and says so in
// Japanese; the cookie obeys the role like the header does.
func TestCodecSigninForTheWebUI(t *testing.T) {
	e := newEnv(t)
	rec := e.call("", "GET", "/codec/signin", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `<label for="token">スタッフのトークン</label>`)

	form := "application/x-www-form-urlencoded"
	rec = e.call("", "POST", "/codec/signin", "token=not-a-token", "Content-Type", form)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), "このトークンは使えません")
	require.Empty(t, rec.Result().Cookies())
	rec = e.call("", "POST", "/codec/signin", "token=", "Content-Type", form)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), "トークンを入力してください")

	signin := func(role string) string {
		rec := e.call("", "POST", "/codec/signin", "token="+e.tokens[role], "Content-Type", form)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Contains(t, rec.Body.String(), "サインインしました")
		cookies := rec.Result().Cookies()
		require.Len(t, cookies, 1)
		require.True(t, cookies[0].HttpOnly)
		require.Equal(t, "/codec/", cookies[0].Path)
		return cookies[0].Name + "=" + cookies[0].Value
	}
	viewer := signin("viewer")
	body := sealed(t, map[string]string{"WorkerID": "w-3"})
	rec = e.call("", "POST", "/codec/default/decode", body, "Origin", codecUIOrigin, "Cookie", viewer)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, string(payloadsOf(t, rec.Body.Bytes())[0].Data), "w-3")
	rec = e.call("", "POST", "/codec/default/encode", body, "Origin", codecUIOrigin, "Cookie", viewer)
	require.Equal(t, http.StatusForbidden, rec.Code, "a viewer's cookie does not encode")
	rec = e.call("", "POST", "/codec/default/decode", body, "Origin", "http://evil.test", "Cookie", viewer)
	require.Equal(t, http.StatusForbidden, rec.Code, "the cookie does not open the endpoint to another origin")
	rec = e.call("", "POST", "/codec/default/encode", body, "Origin", codecUIOrigin, "Cookie", signin("staff"))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

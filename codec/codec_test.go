package codec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/ippo-center/ippo/codec"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func key(t *testing.T, id string) (codec.Key, string) {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	k, err := codec.NewKey(id, b)
	require.NoError(t, err)
	return k, id + ":" + base64.StdEncoding.EncodeToString(b)
}

type input struct {
	WorkerID string
	Reason   string
}

func TestRoundTripHidesTheData(t *testing.T) {
	k, _ := key(t, "k1")
	dc := codec.New(k).DataConverter()
	p, err := dc.ToPayload(input{WorkerID: "w-1", Reason: "体調不良のため"})
	require.NoError(t, err)
	require.Equal(t, codec.Encoding, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[codec.MetadataKeyID]))
	require.False(t, bytes.Contains(p.Data, []byte("体調不良")), "the reason is sealed")
	require.False(t, bytes.Contains(p.Data, []byte("json/plain")), "even the inner encoding is sealed")
	var back input
	require.NoError(t, dc.FromPayload(p, &back))
	require.Equal(t, input{WorkerID: "w-1", Reason: "体調不良のため"}, back)
}

// TestRotation: payloads sealed with the old key open after the new key
// is put first; new payloads use the new key; dropping the old key too
// early is an error, never garbage.
func TestRotation(t *testing.T) {
	old, _ := key(t, "2026-01")
	next, _ := key(t, "2026-07")
	sealed, err := codec.New(old).DataConverter().ToPayload(input{WorkerID: "w-2"})
	require.NoError(t, err)

	rolled := codec.New(next, old)
	var back input
	require.NoError(t, rolled.DataConverter().FromPayload(sealed, &back))
	require.Equal(t, "w-2", back.WorkerID)
	fresh, err := rolled.DataConverter().ToPayload(input{WorkerID: "w-3"})
	require.NoError(t, err)
	require.Equal(t, "2026-07", string(fresh.Metadata[codec.MetadataKeyID]))

	_, err = codec.New(next).Decode([]*commonpb.Payload{sealed})
	require.ErrorIs(t, err, codec.ErrUnknownKey)
	// A wrong key under the right id fails authentication.
	impostor, _ := key(t, "2026-01")
	_, err = codec.New(impostor).Decode([]*commonpb.Payload{sealed})
	require.Error(t, err)
	// The id is bound: relabelling a payload does not open it.
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{}, Data: fresh.Data}
	for k, v := range fresh.Metadata {
		relabelled.Metadata[k] = v
	}
	relabelled.Metadata[codec.MetadataKeyID] = []byte("2026-01")
	_, err = rolled.Decode([]*commonpb.Payload{relabelled})
	require.Error(t, err)
}

func TestLegacyPayloadsPassThrough(t *testing.T) {
	k, _ := key(t, "k1")
	plain, err := converter.GetDefaultDataConverter().ToPayload(input{WorkerID: "w-4"})
	require.NoError(t, err)
	var back input
	require.NoError(t, codec.New(k).DataConverter().FromPayload(plain, &back))
	require.Equal(t, "w-4", back.WorkerID)
	// Without keys nothing is sealed.
	out, err := codec.New().Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.Same(t, plain, out[0])
}

func TestFailuresAreSealed(t *testing.T) {
	k, _ := key(t, "k1")
	fc := codec.New(k).FailureConverter()
	f := fc.ErrorToFailure(errString("鎌倉 花子さんの理由"))
	require.NotContains(t, f.Message, "花子")
	require.NotNil(t, f.EncodedAttributes)
	require.Equal(t, codec.Encoding, string(f.EncodedAttributes.Metadata[converter.MetadataEncoding]))
	require.Contains(t, fc.FailureToError(f).Error(), "花子", "decoded back for whoever holds the key")
}

type errString string

func (e errString) Error() string { return string(e) }

func TestParseKeys(t *testing.T) {
	_, a := key(t, "a")
	_, b := key(t, "b")
	keys, err := codec.ParseKeys(" " + a + " , " + b + ",")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, codec.New(keys...).KeyIDs())
	none, err := codec.ParseKeys("")
	require.NoError(t, err)
	require.Empty(t, none)

	for _, bad := range []string{
		"nokey", // no id
		"a:!!!", // not base64
		"a:" + base64.StdEncoding.EncodeToString([]byte("short")), // not 32 bytes
		"bad id:" + a[2:], // id with a space
		a + "," + a,       // the same id twice
	} {
		_, err := codec.ParseKeys(bad)
		require.Error(t, err, bad)
		require.NotContains(t, err.Error(), a[6:], "an error never prints a secret")
	}
}

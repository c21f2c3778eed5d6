package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	// Encoding marks an encrypted payload (metadata "encoding").
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that sealed a payload.
	MetadataKeyID = "encryption-key-id"
	// EnvKeys is the variable the keys are read from.
	EnvKeys = "IPPO_PAYLOAD_KEYS"
)

// Key is one AES-256 key and its id.
type Key struct {
	ID   string
	aead cipher.AEAD
}

// NewKey returns a key from its id and 32 secret bytes.
func NewKey(id string, secret []byte) (Key, error) {
	if !keyID.MatchString(id) {
		return Key{}, fmt.Errorf("key id %q: use 1 to 32 letters, digits, '.', '_' or '-'", id)
	}
	if len(secret) != 32 {
		return Key{}, fmt.Errorf("key %q: want 32 bytes (AES-256), got %d", id, len(secret))
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return Key{}, fmt.Errorf("key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("key %q: %w", id, err)
	}
	return Key{ID: id, aead: aead}, nil
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// ParseKeys reads IPPO_PAYLOAD_KEYS: "id:base64,id:base64", each key 32
// random bytes in standard or URL-safe base64 (`openssl rand -base64 32`).
// The first key encrypts; all decrypt. An empty string is no keys.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("%q: write each key as id:base64", redact(part))
		}
		secret, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("key %q: not base64: %w", id, err)
		}
		k, err := NewKey(id, secret)
		if err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, fmt.Errorf("key id %q appears twice", id)
		}
		seen[id] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// redact keeps an error about a malformed entry from printing its secret.
func redact(part string) string {
	if len(part) > 4 {
		return part[:4] + "…"
	}
	return part
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return nil, err
}

// Codec is a converter.PayloadCodec sealing payloads with the first key
// and opening them with whichever key they name. With no keys it encodes
// nothing (and still decodes nothing it cannot: an encrypted payload is
// an error, never returned as if it were plain).
type Codec struct {
	keys []Key
	byID map[string]Key
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec over keys (the first encrypts).
func New(keys ...Key) *Codec {
	c := &Codec{keys: keys, byID: map[string]Key{}}
	for _, k := range keys {
		c.byID[k.ID] = k
	}
	return c
}

// Encrypts reports whether the codec seals payloads (it has a key).
func (c *Codec) Encrypts() bool { return len(c.keys) > 0 }

// KeyIDs lists the key ids, the encrypting one first.
func (c *Codec) KeyIDs() []string {
	ids := make([]string, len(c.keys))
	for i, k := range c.keys {
		ids[i] = k.ID
	}
	return ids
}

// Encode seals each payload: the whole original payload (metadata and
// data) becomes the ciphertext, so even its encoding is hidden. The key
// id is bound as additional data: a payload relabelled with another id
// does not open.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if len(c.keys) == 0 {
		return payloads, nil
	}
	k := c.keys[0]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encrypt payload: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(k.ID),
			},
			Data: k.aead.Seal(nonce, nonce, plain, []byte(k.ID)),
		}
	}
	return out, nil
}

// ErrUnknownKey is returned for a payload sealed with a key that is not
// configured (any longer).
var ErrUnknownKey = errors.New("payload key is not configured")

// Decode opens encrypted payloads and passes every other one through
// (payloads written before encryption was turned on).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		k, ok := c.byID[id]
		if !ok {
			return nil, fmt.Errorf("decrypt payload: key %q: %w", id, ErrUnknownKey)
		}
		n := k.aead.NonceSize()
		if len(p.Data) < n {
			return nil, fmt.Errorf("decrypt payload with key %q: too short", id)
		}
		plain, err := k.aead.Open(nil, p.Data[:n], p.Data[n:], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload with key %q: %w", id, err)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return nil, fmt.Errorf("decrypt payload with key %q: %w", id, err)
		}
		out[i] = &orig
	}
	return out, nil
}

// DataConverter is Temporal's default converter with the codec on top.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter also seals failures' messages and stack traces (a
// message may quote what a person wrote), as Temporal's "encode common
// attributes" does.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          c.DataConverter(),
		EncodeCommonAttributes: c.Encrypts(),
	})
}

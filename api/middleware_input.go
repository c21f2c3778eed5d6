package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

// maxNumber bounds every number a request may carry: PostgreSQL keeps
// counts and amounts as 32-bit integers, and no figure of the program comes
// near it. The OpenAPI document states each field's own, smaller maximum;
// this is the floor under all of them.
const maxNumber = math.MaxInt32

// checkInput applies the rules every request shares before the schema
// validator and the handlers see it, so nothing a person sends can reach
// PostgreSQL in a form it refuses with a 500:
//
//   - a JSON body is one value and nothing after it (`{…} xyz` and `{…}{}`
//     are refused, 400);
//   - every string in it (keys too), every query parameter and the
//     Idempotency-Key follow the text rules (ippo.CheckText; lengths are the
//     schema's and the domain's), 422 naming the field;
//   - every number is within ±maxNumber, 422 naming the field.
func checkInput() gin.HandlerFunc {
	return func(c *gin.Context) {
		var f ippo.Fields
		for name, values := range c.Request.URL.Query() {
			for _, v := range values {
				f.Text(name, v, 0, false)
			}
		}
		if key := c.GetHeader("Idempotency-Key"); key != "" {
			if len(key) > 200 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
				f.Add("Idempotency-Key", "must be 1 to 200 printable ASCII characters (a UUID is a good key)")
			}
		}
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			body, err := io.ReadAll(c.Request.Body)
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					problemf(c, codeTooLarge, "the body is over the limit of %d bytes", tooLarge.Limit)
					return
				}
				problemf(c, codeMalformed, "the body could not be read")
				return
			}
			c.Request.Body = io.NopCloser(bytes.NewReader(body))
			if len(bytes.TrimSpace(body)) > 0 {
				dec := json.NewDecoder(bytes.NewReader(body))
				dec.UseNumber()
				var v any
				if err := dec.Decode(&v); err == nil {
					// One value was read; anything but white space after it
					// is trailing data, refused before anyone acts on half
					// of what was sent.
					if _, err := dec.Token(); !errors.Is(err, io.EOF) {
						problemf(c, codeMalformed, "the body has data after its JSON value; send exactly one JSON object")
						return
					}
					checkJSON(&f, "", v)
				}
				// A body that is not JSON at all is left to the validator,
				// which says why.
			}
		}
		if err := f.Err(); err != nil {
			fail(c, err)
			return
		}
		c.Next()
	}
}

// checkJSON walks a decoded JSON value and adds a field error for each
// string that breaks the text rules and each number out of range. Paths
// read as the validator's do: consent.given_on, slots[0].start.
func checkJSON(f *ippo.Fields, path string, v any) {
	field := path
	if field == "" {
		field = "body"
	}
	switch v := v.(type) {
	case string:
		f.Text(field, v, 0, true)
	case json.Number:
		x, err := strconv.ParseFloat(v.String(), 64)
		if err != nil || math.Abs(x) > maxNumber {
			f.Add(field, "must be between %d and %d", -maxNumber, maxNumber)
		}
	case []any:
		for i, item := range v {
			checkJSON(f, path+"["+strconv.Itoa(i)+"]", item)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			name := k
			if path != "" {
				name = path + "." + k
			}
			if e := ippo.CheckText(k, 100, false); e != nil {
				f.Add(field, "has a field name that %s", e.Error())
				continue
			}
			checkJSON(f, name, v[k])
		}
	}
}

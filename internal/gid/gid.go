// Package gid makes and reads the opaque global IDs of the API: the GraphQL
// type name and the row id, base64url-encoded.
package gid

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Encode makes the global ID of row id of GraphQL type typ.
func Encode(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// Decode splits a global ID into its type and row id. Only the spelling
// Encode gives decodes: "Unit:01", "Unit:+1", padded or otherwise
// non-canonical base64 name no object, so that one object has one ID.
func Decode(g string) (typ string, id int64, ok bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(g)
	if err != nil {
		return "", 0, false
	}
	typ, num, found := strings.Cut(string(b), ":")
	if !found || typ == "" {
		return "", 0, false
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || Encode(typ, id) != g {
		return "", 0, false
	}
	return typ, id, true
}

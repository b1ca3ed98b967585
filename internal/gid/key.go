package gid

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// EncodeKey makes the global ID of an object that has no row of its own but
// is named by a key inside the row id of its owner, e.g. a question of a
// stored questionnaire: "Question:<questionnaire id>:<question key>".
func EncodeKey(typ string, id int64, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10) + ":" + key))
}

// DecodeKey splits an ID made by EncodeKey. IDs made by Encode do not
// decode here, nor the other way round. Only the spelling EncodeKey gives
// decodes (see Decode).
func DecodeKey(g string) (typ string, id int64, key string, ok bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(g)
	if err != nil {
		return "", 0, "", false
	}
	parts := strings.SplitN(string(b), ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return "", 0, "", false
	}
	id, err = strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 || EncodeKey(parts[0], id, parts[2]) != g {
		return "", 0, "", false
	}
	return parts[0], id, parts[2], true
}

// Package gid makes and reads the opaque global IDs of the API: the GraphQL
// type name and the row id, base64url-encoded. Each kind of object is a
// constant of type Kind, so a misspelt kind does not compile, and one pair
// of functions encodes and decodes every ID (EncodeKey and DecodeKey for the
// objects named by a key within their owner's row).
package gid

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Kind is the GraphQL type an ID names.
type Kind struct{ name string }

// String is the GraphQL type name.
func (k Kind) String() string { return k.name }

// The kinds of object with a global ID.
var (
	Institution         = Kind{"Institution"}
	Unit                = Kind{"Unit"}
	Partner             = Kind{"Partner"}
	User                = Kind{"User"}
	APIKey              = Kind{"ApiKey"}
	AuditEvent          = Kind{"AuditEvent"}
	Questionnaire       = Kind{"Questionnaire"}
	Question            = Kind{"Question"}
	Area                = Kind{"Area"}
	Assessment          = Kind{"Assessment"}
	Response            = Kind{"Response"}
	Finding             = Kind{"Finding"}
	ActionPlan          = Kind{"ActionPlan"}
	Objective           = Kind{"Objective"}
	Action              = Kind{"Action"}
	ResourceRequirement = Kind{"ResourceRequirement"}
	Indicator           = Kind{"Indicator"}
	Measurement         = Kind{"Measurement"}
	ProgressUpdate      = Kind{"ProgressUpdate"}
	Dissemination       = Kind{"Dissemination"}
	GapFlag             = Kind{"GapFlag"}
	EvidenceFile        = Kind{"EvidenceFile"}
)

var kinds = func() map[string]Kind {
	m := map[string]Kind{}
	for _, k := range []Kind{Institution, Unit, Partner, User, APIKey, AuditEvent, Questionnaire, Question, Area,
		Assessment, Response, Finding, ActionPlan, Objective, Action, ResourceRequirement, Indicator,
		Measurement, ProgressUpdate, Dissemination, GapFlag, EvidenceFile} {
		m[k.name] = k
	}
	return m
}()

// KindOf is the kind named name (a GraphQL type name, as stored in a gap
// flag's key); ok is false for any other name.
func KindOf(name string) (k Kind, ok bool) {
	k, ok = kinds[name]
	return k, ok
}

// Encode makes the global ID of row id of kind k.
func Encode(k Kind, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(k.name + ":" + strconv.FormatInt(id, 10)))
}

// Decode splits a global ID into its kind and row id. Only the spelling
// Encode gives decodes: "Unit:01", "Unit:+1", padded or otherwise
// non-canonical base64 name no object, so that one object has one ID; and
// so does an unknown kind.
func Decode(g string) (k Kind, id int64, ok bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(g)
	if err != nil {
		return Kind{}, 0, false
	}
	name, num, found := strings.Cut(string(b), ":")
	k, known := kinds[name]
	if !found || !known {
		return Kind{}, 0, false
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || Encode(k, id) != g {
		return Kind{}, 0, false
	}
	return k, id, true
}

// EncodeKey makes the global ID of an object that has no row of its own but
// is named by a key inside the row id of its owner, e.g. a question of a
// stored questionnaire: "Question:<questionnaire id>:<question key>".
func EncodeKey(k Kind, id int64, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(k.name + ":" + strconv.FormatInt(id, 10) + ":" + key))
}

// DecodeKey splits an ID made by EncodeKey. IDs made by Encode do not
// decode here, nor the other way round. Only the spelling EncodeKey gives
// decodes (see Decode).
func DecodeKey(g string) (k Kind, id int64, key string, ok bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(g)
	if err != nil {
		return Kind{}, 0, "", false
	}
	parts := strings.SplitN(string(b), ":", 3)
	if len(parts) != 3 || parts[2] == "" {
		return Kind{}, 0, "", false
	}
	k, known := kinds[parts[0]]
	if !known {
		return Kind{}, 0, "", false
	}
	id, err = strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 || EncodeKey(k, id, parts[2]) != g {
		return Kind{}, 0, "", false
	}
	return k, id, parts[2], true
}

// KindOfID is the kind of a global ID made by Encode or EncodeKey; ok is
// false for anything else.
func KindOfID(g string) (k Kind, ok bool) {
	if k, _, ok := Decode(g); ok {
		return k, true
	}
	k, _, _, ok = DecodeKey(g)
	return k, ok
}

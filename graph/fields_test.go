package graph

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
)

// TestDecoderAnswersEveryBadID: each bad ID is a NOT_FOUND at its field,
// all at once, and the service is not called; absent and null ID fields
// stay apart.
func TestDecoderAnswersEveryBadID(t *testing.T) {
	var d decoder
	unit := gid.Encode(gid.Unit, 7)
	if got := d.id(unit, gid.Unit, "id"); got != 7 {
		t.Fatalf("id = %d", got)
	}
	d.id(unit, gid.Action, "actionId")
	d.ids([]string{unit, "garbage"}, gid.Unit, "unitIds")
	if f := d.idField(graphql.Omittable[*string]{}, gid.Unit, "parentId"); f.Present() {
		t.Error("an absent ID field is present")
	}
	if f := d.idField(graphql.OmittableOf[*string](nil), gid.Unit, "parentId"); !f.IsNull() {
		t.Error("a null ID field is not null")
	}
	called := false
	_, err := decoded(&d, func() (int, error) { called = true; return 0, nil })
	u, _ := errs.AsUser(err)
	var got []string
	for _, e := range u {
		got = append(got, string(e.Code)+"@"+e.Field[len(e.Field)-1])
	}
	if called || len(got) != 2 || got[0] != "NOT_FOUND@actionId" || got[1] != "NOT_FOUND@1" {
		t.Fatalf("called %v, errors %v", called, got)
	}
}

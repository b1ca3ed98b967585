package gaps

import (
	"encoding/base64"
	"testing"
)

// TestParseIDOnlyCanonical: a flag's ID decodes only as the API spells it.
func TestParseIDOnlyCanonical(t *testing.T) {
	t.Parallel()
	k := Key{Rule: ActionWithoutLeadUnit, SubjectType: "Action", SubjectID: 12, PlanID: 3}
	got, manual, ok := ParseID(k.ID())
	if !ok || manual != 0 || got != k {
		t.Fatalf("ParseID(k.ID()) = %+v, %d, %v", got, manual, ok)
	}
	if _, id, ok := ParseID(ManualID(7)); !ok || id != 7 {
		t.Fatalf("ParseID(ManualID(7)) = %d, %v", id, ok)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, g := range []string{
		enc("GapFlag:12:" + ActionWithoutLeadUnit + ":Action:03"),
		enc("GapFlag:12:" + ActionWithoutLeadUnit + ":Action:+3"),
		enc("GapFlag:012:" + ActionWithoutLeadUnit + ":Action:3"),
		enc("GapFlag:07"),
		base64.URLEncoding.EncodeToString([]byte("GapFlag:12:" + ActionWithoutLeadUnit + ":Action:3")),
	} {
		if k, id, ok := ParseID(g); ok {
			t.Errorf("ParseID(%q) = %+v, %d; want no flag", g, k, id)
		}
	}
}

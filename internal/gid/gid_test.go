package gid

import (
	"encoding/base64"
	"testing"
)

func raw(s string) string  { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
func std(s string) string  { return base64.URLEncoding.EncodeToString([]byte(s)) }
func std2(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestDecodeRoundTrip(t *testing.T) {
	for _, c := range []struct {
		typ Kind
		id  int64
	}{{Unit, 1}, {Institution, 42}, {ActionPlan, 1<<63 - 1}} {
		g := Encode(c.typ, c.id)
		typ, id, ok := Decode(g)
		if !ok || typ != c.typ || id != c.id {
			t.Errorf("Decode(Encode(%s, %d)) = %s, %d, %v", c.typ, c.id, typ, id, ok)
		}
	}
}

// TestDecodeOnlyCanonical: every other spelling of an ID names nothing.
func TestDecodeOnlyCanonical(t *testing.T) {
	// "Unit:1" is 6 bytes: base64 of it has no padding, so take an ID whose
	// length leaves bits over: "Unit:12" (7 bytes, 10 characters).
	canonical := Encode(Unit, 12)
	if canonical != raw("Unit:12") {
		t.Fatalf("Encode changed: %s", canonical)
	}
	trailing := []byte(canonical)
	// The last character carries 4 unused bits; flip the lowest one.
	last := trailing[len(trailing)-1]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range alphabet {
		if alphabet[i] == last {
			trailing[len(trailing)-1] = alphabet[i+1]
		}
	}
	for _, c := range []struct{ name, g string }{
		{"leading zero", raw("Unit:012")},
		{"plus sign", raw("Unit:+12")},
		{"space", raw("Unit: 12")},
		{"trailing space", raw("Unit:12 ")},
		{"zero", raw("Unit:0")},
		{"negative", raw("Unit:-12")},
		{"no type", raw(":12")},
		{"unknown kind", raw("Unicorn:12")},
		{"no id", raw("Unit:")},
		{"no colon", raw("Unit12")},
		{"overflow", raw("Unit:9223372036854775808")},
		{"padded", std("Unit:12")},
		{"standard alphabet", std2("Unit:12?>")},
		{"trailing bits", string(trailing)},
		{"newline inside", canonical[:4] + "\n" + canonical[4:]},
		{"empty", ""},
		{"not base64", "Unit:12"},
	} {
		if typ, id, ok := Decode(c.g); ok {
			t.Errorf("%s: Decode(%q) = %s, %d; want no object", c.name, c.g, typ, id)
		}
	}
	if _, _, ok := Decode(canonical); !ok {
		t.Errorf("the canonical spelling %q does not decode", canonical)
	}
}

func TestDecodeKeyOnlyCanonical(t *testing.T) {
	g := EncodeKey(Question, 7, "q-1")
	typ, id, key, ok := DecodeKey(g)
	if !ok || typ != Question || id != 7 || key != "q-1" {
		t.Fatalf("DecodeKey(EncodeKey(...)) = %s, %d, %s, %v", typ, id, key, ok)
	}
	for _, c := range []struct{ name, g string }{
		{"leading zero", raw("Question:07:q-1")},
		{"plus sign", raw("Question:+7:q-1")},
		{"padded", std("Question:7:q-1")},
		{"no key", raw("Question:7:")},
		{"row id form", Encode(Question, 7)},
		{"newline inside", g[:4] + "\r\n" + g[4:]},
	} {
		if _, _, _, ok := DecodeKey(c.g); ok {
			t.Errorf("%s: DecodeKey(%q) decodes; want no object", c.name, c.g)
		}
	}
	if _, _, ok := Decode(g); ok {
		t.Errorf("Decode accepts a keyed ID %q", g)
	}
}

package graph

import (
	"context"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/internal/reqinfo"
)

// The error that says how many errors were left out is added after the
// others are presented: it is given in the request's language itself.
func TestCapErrorsSpeaksTheRequestLanguage(t *testing.T) {
	list := gqlerror.List{{Message: "a"}, {Message: "b"}, {Message: "c"}}
	for lang, want := range map[string]string{
		"fr-ML": "2 autres erreurs ont été omises de cette réponse.",
		"de":    "2 more errors were left out of this response.",
	} {
		ctx := reqinfo.WithAcceptLanguage(context.Background(), lang)
		got := capErrors(ctx, list, 1)
		if len(got) != 2 || got[1].Message != want || got[1].Extensions["code"] != "TOO_MANY_ERRORS" {
			t.Errorf("%s: %+v", lang, got)
		}
	}
}

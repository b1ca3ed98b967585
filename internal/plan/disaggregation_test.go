package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/store"
)

func custom(key string, n int) DimensionInput {
	d := DimensionInput{Kind: DimensionCustom, Key: &key, Label: &key}
	for i := 0; i < n; i++ {
		d.Categories = append(d.Categories, CategoryInput{Key: fmt.Sprintf("c%d", i), Label: fmt.Sprintf("C %d", i)})
	}
	return d
}

func problems(l *errs.List) string {
	var out []string
	for _, e := range l.UserErrors {
		out = append(out, e.Message+"@"+strings.Join(e.Field, "."))
	}
	return strings.Join(out, " ")
}

// TestDisaggregationBounds: the limits of README.md "Input limits" hold
// before any breakdown is checked.
func TestDisaggregationBounds(t *testing.T) {
	field := []string{"input", "disaggregation"}
	for _, c := range []struct {
		name string
		in   []DimensionInput
		want string
	}{
		{"six dimensions", []DimensionInput{custom("a", 1), custom("b", 1), custom("c", 1), custom("d", 1), custom("e", 1), custom("f", 1)}, "error.plan.tooManyDimensions@input.disaggregation"},
		{"51 categories", []DimensionInput{custom("a", 51)}, "error.plan.tooManyCategories@input.disaggregation.0.categories"},
		{"50 × 20 = 1000 combinations", []DimensionInput{custom("a", 50), custom("b", 20)}, ""},
		{"50 × 21 combinations", []DimensionInput{custom("a", 50), custom("b", 21)}, "error.plan.tooManyCombinations@input.disaggregation"},
		{"SEX twice", []DimensionInput{{Kind: DimensionSex}, {Kind: DimensionSex}}, "error.plan.duplicateDimension@input.disaggregation.1.kind"},
	} {
		var l errs.List
		validateDimensions(&l, c.in, field)
		if got := problems(&l); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	var l errs.List
	dims := validateDimensions(&l, []DimensionInput{custom("a", 50), custom("b", 20)}, field)
	big := make([]BreakdownValueInput, MaxBreakdownValues+1)
	if validateBreakdown(&l, big, dims, []string{"input", "breakdown"}); problems(&l) != "error.plan.tooManyBreakdownValues@input.breakdown" {
		t.Fatalf("1001 values: %s", problems(&l))
	}
	// The largest breakdown allowed, in reverse order: accepted, sorted.
	var full []BreakdownValueInput
	for i := 49; i >= 0; i-- {
		for j := 19; j >= 0; j-- {
			full = append(full, BreakdownValueInput{Categories: []store.CategoryRef{{Dimension: "b", Category: fmt.Sprintf("c%d", j)}, {Dimension: "a", Category: fmt.Sprintf("c%d", i)}}, Value: 1})
		}
	}
	l = errs.List{}
	out, sum := validateBreakdown(&l, full, dims, []string{"input", "breakdown"})
	if l.Err() != nil || len(out) != 1000 || sum.RatString() != "1000" || out[0].Categories[0] != (store.CategoryRef{Dimension: "a", Category: "c0"}) || out[1].Categories[1].Category != "c1" {
		t.Fatalf("full breakdown: %s %d %v", problems(&l), len(out), sum)
	}
}

// BenchmarkValidateBreakdown checks the largest breakdown allowed: 1,000
// values over 5 dimensions (5 × 5 × 5 × 4 × 2).
func BenchmarkValidateBreakdown(b *testing.B) {
	var l errs.List
	dims := validateDimensions(&l, []DimensionInput{custom("a", 5), custom("b", 5), custom("c", 5), custom("d", 4), {Kind: DimensionSex}}, nil)
	var in []BreakdownValueInput
	for a := 0; a < 5; a++ {
		for bb := 0; bb < 5; bb++ {
			for c := 0; c < 5; c++ {
				for d := 0; d < 4; d++ {
					for _, s := range []string{"women", "men"} {
						in = append(in, BreakdownValueInput{Value: 0.1, Categories: []store.CategoryRef{
							{Dimension: "sex", Category: s}, {Dimension: "d", Category: fmt.Sprintf("c%d", d)}, {Dimension: "c", Category: fmt.Sprintf("c%d", c)},
							{Dimension: "b", Category: fmt.Sprintf("c%d", bb)}, {Dimension: "a", Category: fmt.Sprintf("c%d", a)}}})
					}
				}
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var l errs.List
		if out, _ := validateBreakdown(&l, in, dims, []string{"input", "breakdown"}); len(out) != 1000 {
			b.Fatal(problems(&l))
		}
	}
}

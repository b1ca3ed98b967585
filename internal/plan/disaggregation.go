package plan

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Disaggregation (RULES.md section 7): an indicator's dimensions, the
// breakdown of its measurements over their categories, and targets per
// category.

// Dimension kinds (GraphQL enum DimensionKind) and aggregations (enum
// Aggregation).
const (
	DimensionSex      = "SEX"
	DimensionAgeGroup = "AGE_GROUP"
	DimensionGBVType  = "GBV_TYPE"
	DimensionCustom   = "CUSTOM"

	AggregationSum   = "SUM"
	AggregationGiven = "GIVEN"
)

var (
	DimensionKinds = set(DimensionSex, DimensionAgeGroup, DimensionGBVType, DimensionCustom)
	Aggregations   = set(AggregationSum, AggregationGiven)
)

// The bounds of a disaggregation (README.md, "Input limits"): with them a
// breakdown has at most MaxCombinations values, and checking one costs
// time linear in its size.
const (
	MaxDimensions      = 5
	MaxCategories      = 50
	MaxCombinations    = 1000
	MaxBreakdownValues = MaxCombinations
	MaxCategoryTargets = 100
	maxDimensionKey    = 50
)

// fixedDimension is a dimension kind with its own key and categories.
type fixedDimension struct {
	key        string
	categories []string
}

var fixedDimensions = map[string]fixedDimension{
	DimensionSex:      {"sex", []string{"women", "men"}},
	DimensionAgeGroup: {"age-group", []string{"under-18", "18-and-over"}},
	// The six core types of the GBVIMS classification.
	DimensionGBVType: {"gbv-type", []string{"rape", "sexual-assault", "physical-assault", "forced-marriage", "denial-of-resources", "psychological-abuse"}},
}

// Dimension is one dimension of an indicator with its categories in order.
// Label and the categories' labels are set for CUSTOM dimensions only; the
// fixed kinds are labelled in the reader's language by Label.
type Dimension struct {
	Kind       string
	Key        string
	Label      string
	Categories []Category
}

// Category is one category of a dimension.
type Category struct {
	Key   string
	Label string
}

// DimensionOf is the dimension a stored row describes.
func DimensionOf(row store.IndicatorDimension) Dimension {
	d := Dimension{Kind: row.Kind, Key: row.Key}
	if fd, ok := fixedDimensions[row.Kind]; ok {
		d.Key = fd.key
		for _, c := range fd.categories {
			d.Categories = append(d.Categories, Category{Key: c})
		}
		return d
	}
	if row.Label != nil {
		d.Label = *row.Label
	}
	for _, c := range row.Categories {
		d.Categories = append(d.Categories, Category(c))
	}
	return d
}

// DimensionsOf converts stored rows, in their order.
func DimensionsOf(rows []store.IndicatorDimension) []Dimension {
	out := make([]Dimension, len(rows))
	for i, r := range rows {
		out[i] = DimensionOf(r)
	}
	return out
}

// LabelIn is the dimension's label in lang: the catalogue's for the fixed
// kinds, as entered for CUSTOM.
func (d Dimension) LabelIn(lang string) string {
	if _, ok := fixedDimensions[d.Kind]; ok {
		return i18n.T(lang, "disaggregation.dimension."+d.Key)
	}
	return d.Label
}

// CategoryLabelIn is the label of category c of d in lang.
func (d Dimension) CategoryLabelIn(lang string, c Category) string {
	if _, ok := fixedDimensions[d.Kind]; ok {
		return i18n.T(lang, "disaggregation.category."+d.Key+"."+c.Key)
	}
	return c.Label
}

func (d Dimension) category(key string) int {
	return slices.IndexFunc(d.Categories, func(c Category) bool { return c.Key == key })
}

// HasSex reports whether dims include a SEX dimension (gap rule
// PEOPLE_INDICATOR_NOT_DISAGGREGATED).
func HasSex(dims []Dimension) bool {
	return slices.ContainsFunc(dims, func(d Dimension) bool { return d.Kind == DimensionSex })
}

// DimensionInput is one dimension as a client describes it: the fixed
// kinds need no key, label or categories; CUSTOM needs all three.
type DimensionInput struct {
	Kind       string
	Key        *string
	Label      *string
	Categories []CategoryInput
}

// CategoryInput is a category of a CUSTOM dimension.
type CategoryInput struct {
	Key   string
	Label string
}

// CategoryTargetInput is a target for one category of one dimension.
type CategoryTargetInput struct {
	Dimension string
	Category  string
	Baseline  *float64
	Target    float64
}

// BreakdownValueInput is one value of a breakdown: one category of each
// dimension, and the value.
type BreakdownValueInput struct {
	Categories []store.CategoryRef
	Value      float64
}

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// quoted cuts a client's key for quoting back in a message.
func quoted(s string) string { return fmt.Sprintf("%.40s", s) }

// checkKey checks a CUSTOM dimension's or category's key.
func checkKey(l *errs.List, key *string, field []string) bool {
	switch {
	case key == nil || strings.TrimSpace(*key) == "":
		l.Add(errs.Invalid, "error.required", field...)
	case len([]rune(*key)) > maxDimensionKey || !keyPattern.MatchString(*key):
		l.Addf(errs.Invalid, field, "error.plan.badKey", i18n.Data{"Max": maxDimensionKey})
	default:
		return true
	}
	return false
}

// validateDimensions checks a disaggregation and returns its dimensions
// (nil for none). field is the path of the list.
func validateDimensions(l *errs.List, in []DimensionInput, field []string) []Dimension {
	if len(in) > MaxDimensions {
		l.Addf(errs.Invalid, field, "error.plan.tooManyDimensions", i18n.Data{"Max": MaxDimensions})
		return nil
	}
	var out []Dimension
	seen := map[string]bool{}
	ok := true
	combinations := 1
	for i, d := range in {
		fi := at(field, i)
		switch fd, fixed := fixedDimensions[d.Kind]; {
		case fixed:
			good := true
			if d.Key != nil && *d.Key != fd.key {
				l.Addf(errs.Invalid, sub(fi, "key"), "error.plan.fixedDimensionKey", i18n.Data{"Key": fd.key})
				good = false
			}
			if d.Label != nil {
				l.Add(errs.Invalid, "error.plan.fixedDimensionLabel", sub(fi, "label")...)
				good = false
			}
			if len(d.Categories) > 0 {
				l.Add(errs.Invalid, "error.plan.fixedDimensionCategories", sub(fi, "categories")...)
				good = false
			}
			if seen[fd.key] {
				l.Add(errs.Invalid, "error.plan.duplicateDimension", sub(fi, "kind")...)
				good = false
			}
			seen[fd.key] = true
			if !good {
				ok = false
				continue
			}
			out = append(out, DimensionOf(store.IndicatorDimension{Kind: d.Kind}))
			combinations *= len(fd.categories)
		case d.Kind == DimensionCustom:
			good := checkKey(l, d.Key, sub(fi, "key"))
			if good {
				if _, clash := fixedKeys[*d.Key]; clash {
					l.Add(errs.Invalid, "error.plan.reservedDimensionKey", sub(fi, "key")...)
					good = false
				} else if seen[*d.Key] {
					l.Add(errs.Invalid, "error.plan.duplicateDimension", sub(fi, "key")...)
					good = false
				} else {
					seen[*d.Key] = true
				}
			}
			if d.Label == nil {
				l.Add(errs.Invalid, "error.required", sub(fi, "label")...)
				good = false
			} else {
				n := len(l.UserErrors)
				l.Text(d.Label, maxShort, true, sub(fi, "label")...)
				good = good && len(l.UserErrors) == n
			}
			dim := Dimension{Kind: DimensionCustom}
			switch {
			case len(d.Categories) == 0:
				l.Add(errs.Invalid, "error.plan.customCategoriesRequired", sub(fi, "categories")...)
				good = false
			case len(d.Categories) > MaxCategories:
				l.Addf(errs.Invalid, sub(fi, "categories"), "error.plan.tooManyCategories", i18n.Data{"Max": MaxCategories})
				good = false
			default:
				cats := map[string]bool{}
				for j, c := range d.Categories {
					fc := at(sub(fi, "categories"), j)
					key, label := c.Key, c.Label
					if checkKey(l, &key, sub(fc, "key")) {
						if cats[key] {
							l.Add(errs.Invalid, "error.plan.duplicateCategory", sub(fc, "key")...)
							good = false
						}
						cats[key] = true
					} else {
						good = false
					}
					n := len(l.UserErrors)
					l.Text(&label, maxShort, true, sub(fc, "label")...)
					good = good && len(l.UserErrors) == n
					dim.Categories = append(dim.Categories, Category{Key: key, Label: strings.TrimSpace(label)})
				}
			}
			if !good {
				ok = false
				continue
			}
			dim.Key, dim.Label = *d.Key, strings.TrimSpace(*d.Label)
			out = append(out, dim)
			combinations *= len(dim.Categories)
		default:
			l.Add(errs.Invalid, "error.plan.unknownDimensionKind", sub(fi, "kind")...)
			ok = false
		}
		if combinations > MaxCombinations {
			l.Addf(errs.Invalid, field, "error.plan.tooManyCombinations", i18n.Data{"Max": MaxCombinations})
			return nil
		}
	}
	if !ok {
		return nil
	}
	return out
}

var fixedKeys = func() map[string]string {
	m := map[string]string{}
	for kind, fd := range fixedDimensions {
		m[fd.key] = kind
	}
	return m
}()

// dimensionRows are the rows that store dims for indicator id.
func dimensionRows(id int64, dims []Dimension) []store.IndicatorDimension {
	out := make([]store.IndicatorDimension, len(dims))
	for i, d := range dims {
		out[i] = store.IndicatorDimension{IndicatorID: id, Ordinal: i, Kind: d.Kind, Key: d.Key}
		if d.Kind == DimensionCustom {
			label := d.Label
			out[i].Label = &label
			for _, c := range d.Categories {
				out[i].Categories = append(out[i].Categories, store.CustomCategory(c))
			}
		}
	}
	return out
}

// checkAggregation checks that a GIVEN indicator has one dimension at
// most (RULES.md section 7); field is where to say so.
func checkAggregation(l *errs.List, aggregation string, dims []Dimension, field []string) {
	if aggregation == AggregationGiven && len(dims) > 1 {
		l.Add(errs.Invalid, "error.plan.givenOneDimension", field...)
	}
}

// validateTargets checks category targets against dims and returns their
// rows (without indicator id).
func validateTargets(l *errs.List, in []CategoryTargetInput, dims []Dimension, field []string) []store.CategoryTarget {
	if len(in) > MaxCategoryTargets {
		l.Addf(errs.Invalid, field, "error.plan.tooManyCategoryTargets", i18n.Data{"Max": MaxCategoryTargets})
		return nil
	}
	out := make([]store.CategoryTarget, 0, len(in))
	seen := map[store.CategoryRef]bool{}
	for i, t := range in {
		fi := at(field, i)
		di := slices.IndexFunc(dims, func(d Dimension) bool { return d.Key == t.Dimension })
		if di < 0 {
			l.Addf(errs.Invalid, sub(fi, "dimension"), "error.plan.unknownDimension", i18n.Data{"Dimension": quoted(t.Dimension)})
			continue
		}
		if dims[di].category(t.Category) < 0 {
			l.Addf(errs.Invalid, sub(fi, "category"), "error.plan.unknownCategory",
				i18n.Data{"Category": quoted(t.Category), "Dimension": dims[di].Key})
			continue
		}
		ref := store.CategoryRef{Dimension: t.Dimension, Category: t.Category}
		if seen[ref] {
			l.Add(errs.Invalid, "error.plan.duplicateCategoryTarget", fi...)
			continue
		}
		seen[ref] = true
		if t.Baseline != nil && !finite(*t.Baseline) {
			l.Add(errs.Invalid, "error.plan.finiteValue", sub(fi, "baseline")...)
		}
		if !finite(t.Target) {
			l.Add(errs.Invalid, "error.plan.finiteValue", sub(fi, "target")...)
		}
		out = append(out, store.CategoryTarget{Ordinal: i, Dimension: t.Dimension, Category: t.Category, Baseline: t.Baseline, Target: t.Target})
	}
	return out
}

// checkStoredTargets checks that targets kept from before still name
// categories of dims (after a change of the disaggregation).
func checkStoredTargets(l *errs.List, targets []store.CategoryTarget, dims []Dimension, field []string) {
	for _, t := range targets {
		di := slices.IndexFunc(dims, func(d Dimension) bool { return d.Key == t.Dimension })
		if di < 0 || dims[di].category(t.Category) < 0 {
			l.Addf(errs.Invalid, field, "error.plan.targetsOutsideDimensions",
				i18n.Data{"Dimension": t.Dimension, "Category": t.Category})
			return
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validateBreakdown checks a breakdown against dims (RULES.md section 7):
// every value names one category of every dimension, and every
// combination appears exactly once. It returns the breakdown with each
// value's categories in the dimensions' order and the values in the order
// of the combinations (first dimension slowest), and their exact sum; nil
// when there is a problem (in l) or no breakdown.
func validateBreakdown(l *errs.List, in []BreakdownValueInput, dims []Dimension, field []string) ([]store.BreakdownValue, *big.Rat) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(dims) == 0 {
		l.Add(errs.Invalid, "error.plan.breakdownWithoutDimensions", field...)
		return nil, nil
	}
	if len(in) > MaxBreakdownValues {
		l.Addf(errs.Invalid, field, "error.plan.tooManyBreakdownValues", i18n.Data{"Max": MaxBreakdownValues})
		return nil, nil
	}
	total := 1
	for _, d := range dims {
		total *= len(d.Categories)
	}
	byKey := make(map[string]int, len(dims))
	for i, d := range dims {
		byKey[d.Key] = i
	}
	type indexed struct {
		combo int
		value store.BreakdownValue
	}
	values := make([]indexed, 0, len(in))
	seen := make(map[int]bool, len(in))
	ok := true
	picks := make([]int, len(dims))
	for i, v := range in {
		// Paths are built only for errors: the common case allocates none.
		fi := func(parts ...string) []string { return sub(at(field, i), parts...) }
		fc := func(parts ...string) []string { return fi(append([]string{"categories"}, parts...)...) }
		picked := picks[:len(dims)]
		for k := range picked {
			picked[k] = -1
		}
		if len(v.Categories) > len(dims) {
			// One category per dimension: a longer list is refused whole,
			// so that one value cannot answer thousands of errors.
			l.Addf(errs.Invalid, fc(), "error.plan.breakdownTooManyCategories", i18n.Data{"Max": len(dims)})
			ok = false
			continue
		}
		good, unknown := true, false
		for j, ref := range v.Categories {
			fj := func(last string) []string { return fc(strconv.Itoa(j), last) }
			di, known := byKey[ref.Dimension]
			switch {
			case !known:
				l.Addf(errs.Invalid, fj("dimension"), "error.plan.unknownDimension", i18n.Data{"Dimension": quoted(ref.Dimension)})
				good, unknown = false, true
			case picked[di] >= 0:
				l.Addf(errs.Invalid, fj("dimension"), "error.plan.repeatedDimension", i18n.Data{"Dimension": ref.Dimension})
				good = false
			default:
				ci := dims[di].category(ref.Category)
				if ci < 0 {
					l.Addf(errs.Invalid, fj("category"), "error.plan.unknownCategory",
						i18n.Data{"Category": quoted(ref.Category), "Dimension": ref.Dimension})
					good = false
					picked[di] = len(dims[di].Categories) // named, if wrongly
					continue
				}
				picked[di] = ci
			}
		}
		for di, ci := range picked {
			if ci < 0 && !unknown { // an unknown dimension is said where it is named
				l.Addf(errs.Invalid, fc(), "error.plan.breakdownMissingDimension", i18n.Data{"Dimension": dims[di].Key})
				good = false
				break
			}
		}
		if !finite(v.Value) {
			l.Add(errs.Invalid, "error.plan.finiteValue", fi("value")...)
			good = false
		}
		if !good {
			ok = false
			continue
		}
		combo := 0
		refs := make([]store.CategoryRef, len(dims))
		for di, ci := range picked {
			combo = combo*len(dims[di].Categories) + ci
			refs[di] = store.CategoryRef{Dimension: dims[di].Key, Category: dims[di].Categories[ci].Key}
		}
		if seen[combo] {
			l.Add(errs.Invalid, "error.plan.duplicateCombination", fi()...)
			ok = false
			continue
		}
		seen[combo] = true
		values = append(values, indexed{combo, store.BreakdownValue{Categories: refs, Value: v.Value}})
	}
	if !ok {
		return nil, nil
	}
	if len(values) < total {
		// Name the first missing combination.
		missing := 0
		for seen[missing] {
			missing++
		}
		names := make([]string, len(dims))
		for di := len(dims) - 1; di >= 0; di-- {
			n := len(dims[di].Categories)
			names[di] = dims[di].Categories[missing%n].Key
			missing /= n
		}
		l.Addf(errs.Invalid, field, "error.plan.breakdownIncomplete",
			i18n.Data{"Expected": total, "Given": len(values), "Missing": strings.Join(names, " / ")})
		return nil, nil
	}
	slices.SortFunc(values, func(a, b indexed) int { return a.combo - b.combo })
	out := make([]store.BreakdownValue, len(values))
	sum := new(big.Rat)
	for i, v := range values {
		out[i] = v.value
		r, _ := exactRat(v.value.Value)
		sum.Add(sum, r)
	}
	return out, sum
}

// sub is field followed by parts, in a slice of its own (appending to a
// shared path would overwrite its siblings' elements).
func sub(field []string, parts ...string) []string {
	return append(slices.Clip(field), parts...)
}

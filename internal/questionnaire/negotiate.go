package questionnaire

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxLanguageRanges bounds the work done on a hostile Accept-Language header.
const maxLanguageRanges = 64

// Negotiate picks the language of available that best fits an
// Accept-Language header (RFC 9110 section 12.5.4): ranges are tried from the
// highest q-value down, in header order among equal q-values; a range matches
// a language equal to it ("fr" = "FR"), a language it is a prefix of ("fr"
// matches "fr-CA"), or a language it falls back to by dropping subtags
// ("fr-FR" matches "fr"). "*" matches defaultLang, or else any language not
// refused; q=0 refuses a language. With no match, Negotiate returns
// defaultLang. It returns the language spelled as in available.
func Negotiate(acceptLanguage string, available []string, defaultLang string) string {
	type langRange struct {
		tag string // lower case
		q   float64
	}
	var ranges []langRange
	refused := map[string]bool{}
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= maxLanguageRanges {
			break
		}
		params := strings.Split(part, ";")
		tag := strings.ToLower(strings.TrimSpace(params[0]))
		if tag != "*" && !langRe.MatchString(tag) {
			continue
		}
		q, ok := 1.0, true
		for _, prm := range params[1:] {
			name, value, _ := strings.Cut(prm, "=")
			if strings.EqualFold(strings.TrimSpace(name), "q") {
				v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
					ok = false
				}
				q = v
			}
		}
		switch {
		case !ok:
		case q == 0:
			refused[tag] = true
		default:
			ranges = append(ranges, langRange{tag, q})
		}
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].q > ranges[j].q })

	usable := func(lang string) bool { return !refused[strings.ToLower(lang)] }
	for _, r := range ranges {
		if r.tag == "*" {
			for _, l := range available {
				if strings.EqualFold(l, defaultLang) && usable(l) {
					return l
				}
			}
			for _, l := range available {
				if usable(l) {
					return l
				}
			}
			continue
		}
		// Exactly the range, else a more specific language.
		for _, l := range available {
			if strings.EqualFold(l, r.tag) && usable(l) {
				return l
			}
		}
		for _, l := range available {
			if strings.HasPrefix(strings.ToLower(l), r.tag+"-") && usable(l) {
				return l
			}
		}
		// A less specific language: drop subtags from the end.
		tag := r.tag
		for {
			i := strings.LastIndexByte(tag, '-')
			if i < 0 {
				break
			}
			tag = tag[:i]
			if j := strings.LastIndexByte(tag, '-'); j >= 0 && j == len(tag)-2 {
				tag = tag[:j] // never end on a singleton such as the x of x-private
			}
			for _, l := range available {
				if strings.EqualFold(l, tag) && usable(l) {
					return l
				}
			}
		}
	}
	return defaultLang
}

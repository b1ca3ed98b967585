package i18n

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/language"
)

// maxLanguageRanges bounds the work done on a hostile Accept-Language header.
const maxLanguageRanges = 64

// Negotiate picks the language of available that best fits an
// Accept-Language header (RFC 9110 section 12.5.4, RULES.md §9), with
// golang.org/x/text/language: ranges are tried from the highest q-value
// down, in header order among equal q-values, and a range matches the
// available language the CLDR matcher finds close enough — equal ("fr" =
// "FR"), a regional variant either way ("fr-ML" or "fr-CA" matches "fr",
// "fr" matches "fr-CA"), the same language and script ("zh-Hant-TW"
// matches "zh-Hant"). "*" stands for defaultLang, or else for the first
// available language not refused; q=0 refuses a language. Ranges that do
// not parse, and q-values outside [0, 1], are ignored. With no match,
// Negotiate returns defaultLang. It returns the language spelled as in
// available.
//
// It runs for every translated text of an answer, with the few headers
// clients send: the answers are kept (up to maxAnswers of them).
func Negotiate(acceptLanguage string, available []string, defaultLang string) string {
	if acceptLanguage == "" {
		return defaultLang
	}
	key := acceptLanguage + "\x00" + defaultLang + "\x00" + strings.Join(available, "\x00")
	if lang, ok := answers.Load(key); ok {
		return lang.(string)
	}
	lang := negotiate(acceptLanguage, available, defaultLang)
	if len(acceptLanguage) <= maxKeptHeader && nAnswers.Load() < maxAnswers {
		if _, loaded := answers.LoadOrStore(key, lang); !loaded {
			nAnswers.Add(1)
		}
	}
	return lang
}

// answers keeps Negotiate's answers to headers of at most maxKeptHeader
// bytes, at most maxAnswers of them: past that (a client sending ever new
// headers) the answers are computed each time.
var (
	answers  sync.Map // header, default and available languages, joined by NUL → language
	nAnswers atomic.Int64
)

const (
	maxAnswers    = 4096
	maxKeptHeader = 256
)

func negotiate(acceptLanguage string, available []string, defaultLang string) string {
	ranges, refused := acceptedRanges(acceptLanguage)
	if len(ranges) == 0 {
		return defaultLang
	}
	m := matcherFor(available, refused)
	if m == nil {
		return defaultLang
	}
	// The wildcard stands for the default language when it is usable, else
	// for the first usable one.
	wildcard := available[m.index[0]]
	for _, i := range m.index {
		if strings.EqualFold(available[i], defaultLang) {
			wildcard = available[i]
			break
		}
	}
	var header strings.Builder
	for i, r := range ranges {
		if i > 0 {
			header.WriteByte(',')
		}
		tag := r.tag
		if tag == "*" {
			tag = wildcard
		}
		header.WriteString(tag + ";q=" + strconv.FormatFloat(r.q, 'f', -1, 64))
	}
	desired, _, err := language.ParseAcceptLanguage(header.String())
	if err != nil || len(desired) == 0 {
		return defaultLang
	}
	_, i, confidence := m.Match(desired...)
	if confidence == language.No {
		return defaultLang
	}
	return available[m.index[i]]
}

// matcher is a language.Matcher over the available languages that parse
// and are not refused, with the index in available of each.
type matcher struct {
	language.Matcher
	index []int
}

// matcherFor is the matcher over available without the refused
// languages, nil when none is left.
func matcherFor(available []string, refused map[language.Tag]bool) *matcher {
	var (
		supported []language.Tag
		m         = &matcher{}
	)
	for i, l := range available {
		t, err := language.Parse(l)
		if err != nil || refused[t] {
			continue
		}
		supported = append(supported, t)
		m.index = append(m.index, i)
	}
	if len(supported) == 0 {
		return nil
	}
	m.Matcher = language.NewMatcher(supported)
	return m
}

type langRange struct {
	tag string // a tag that parses, or "*"
	q   float64
}

// acceptedRanges splits an Accept-Language header into its well-formed
// ranges of positive q-value, in header order, and the languages it
// refuses (q=0).
func acceptedRanges(header string) (ranges []langRange, refused map[language.Tag]bool) {
	refused = map[language.Tag]bool{}
	for i, part := range strings.Split(header, ",") {
		if i >= maxLanguageRanges {
			break
		}
		params := strings.Split(part, ";")
		tag := strings.TrimSpace(params[0])
		var parsed language.Tag
		if tag != "*" {
			t, err := language.Parse(tag)
			if err != nil {
				continue
			}
			parsed = t
		}
		q, ok := 1.0, true
		for _, prm := range params[1:] {
			name, value, _ := strings.Cut(prm, "=")
			if strings.EqualFold(strings.TrimSpace(name), "q") {
				v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				ok = err == nil && !math.IsNaN(v) && v >= 0 && v <= 1
				q = v
			}
		}
		switch {
		case !ok:
		case q == 0:
			if tag != "*" {
				refused[parsed] = true
			}
		default:
			ranges = append(ranges, langRange{tag, q})
		}
	}
	return ranges, refused
}

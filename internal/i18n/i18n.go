// Package i18n owns the languages of the product: one message catalog per
// language (locales/en.toml, locales/fr.toml, read with go-i18n and its
// CLDR plural rules) for every text the web workspace, the exports and the
// API's error messages show, the choice of a request's language
// (RULES.md §9: a signed-in user's choice in the workspace, else the best
// match of Accept-Language, else English), and the way dates and numbers
// are written in each language.
//
// A message is named by a stable ID ("assessment.submit.button") and may
// take named values ({{.Count}}). Plural messages carry one form per CLDR
// category of the language ("one", "other"); N picks it.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/gendertrack/gendertrack/internal/reqinfo"
)

// The languages of the product, English first (the default).
const (
	EN = "en"
	FR = "fr"
)

// Languages lists every language the catalogs are complete in, the
// default first.
var Languages = []string{EN, FR}

//go:embed locales/*.toml
var catalogFiles embed.FS

var (
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	// ids lists each language's message IDs, for the completeness test
	// and for Has.
	ids map[string]map[string]bool
)

func init() {
	b, set, err := load(catalogFiles)
	if err != nil {
		panic(err)
	}
	bundle, ids = b, set
	localizers = make(map[string]*goi18n.Localizer, len(Languages))
	for _, l := range Languages {
		localizers[l] = goi18n.NewLocalizer(bundle, l)
	}
}

// load reads every catalog of fsys into a bundle and lists the IDs each
// holds.
func load(fsys fs.FS) (*goi18n.Bundle, map[string]map[string]bool, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	set := map[string]map[string]bool{}
	names, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, nil, err
	}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, err
		}
		mf, err := b.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		lang := strings.TrimSuffix(path.Base(name), ".toml")
		set[lang] = map[string]bool{}
		for _, m := range mf.Messages {
			set[lang][m.ID] = true
		}
	}
	return b, set, nil
}

// Data holds the named values a message takes.
type Data = map[string]any

var missing sync.Map // "lang\x00id" → reported once

// T returns message id in lang, with data filled in. A message missing
// from the catalog (a bug the catalog test catches) shows its ID, logged
// once.
func T(lang, id string, data ...Data) string {
	return localize(lang, id, nil, data)
}

// N returns the plural form of message id that fits count in lang; count
// is also available to the message as {{.Count}}.
func N(lang, id string, count int, data ...Data) string {
	return localize(lang, id, count, data)
}

func localize(lang, id string, count any, data []Data) string {
	l, ok := localizers[lang]
	if !ok {
		l = localizers[EN]
	}
	var d Data
	if len(data) > 0 && data[0] != nil {
		d = make(Data, len(data[0])+1)
		for k, v := range data[0] {
			d[k] = v
		}
	}
	if count != nil {
		if d == nil {
			d = Data{}
		}
		d["Count"] = count
	}
	s, err := l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err != nil || s == "" {
		if _, seen := missing.LoadOrStore(lang+"\x00"+id, true); !seen {
			slog.Warn("message missing from catalog", "lang", lang, "id", id, "error", err)
		}
		return id
	}
	return s
}

// Has reports whether lang's catalog holds message id.
func Has(lang, id string) bool { return ids[lang][id] }

// IDs returns the message IDs of lang's catalog, sorted.
func IDs(lang string) []string {
	out := make([]string, 0, len(ids[lang]))
	for id := range ids[lang] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Supported returns lang when it is a language of the product, else "".
func Supported(lang string) string {
	for _, l := range Languages {
		if strings.EqualFold(l, lang) {
			return l
		}
	}
	return ""
}

type chosenKey struct{}

// WithChosen returns ctx carrying the language a signed-in user chose in
// the web workspace, which wins over Accept-Language.
func WithChosen(ctx context.Context, lang string) context.Context {
	if l := Supported(lang); l != "" {
		return context.WithValue(ctx, chosenKey{}, l)
	}
	return ctx
}

// Lang returns the language of the request ctx belongs to: the user's
// choice when there is one, else the best match of its Accept-Language
// header, else English.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(chosenKey{}).(string); ok {
		return l
	}
	return Negotiate(reqinfo.AcceptLanguage(ctx), Languages, EN)
}

// Tc is T in the language of ctx's request.
func Tc(ctx context.Context, id string, data ...Data) string { return T(Lang(ctx), id, data...) }

// Pick returns the language of available (spelled as there) in which the
// request of ctx reads a text that exists in those languages: the user's
// choice when available has it, else the best match of Accept-Language,
// else def.
func Pick(ctx context.Context, available []string, def string) string {
	if l, ok := ctx.Value(chosenKey{}).(string); ok {
		for _, a := range available {
			if strings.EqualFold(a, l) {
				return a
			}
		}
	}
	return Negotiate(reqinfo.AcceptLanguage(ctx), available, def)
}

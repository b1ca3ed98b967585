package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*
var staticFiles embed.FS

// asset is a static file served under a name holding its content hash.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// pages are the parsed templates (one per page, each with the layout) and
// the static files by hashed name.
type pages struct {
	tmpl   map[string]*template.Template
	assets map[string]asset  // hashed name → file
	urls   map[string]string // plain name → /static/hashed name
}

// StaticURL returns the hashed URL of a static file ("app.css").
func (h *Handler) StaticURL(name string) string { return h.pages.urls[name] }

func loadPages() *pages {
	p := &pages{tmpl: map[string]*template.Template{}, assets: map[string]asset{}, urls: map[string]string{}}
	names, _ := fs.Glob(staticFiles, "static/*")
	for _, n := range names {
		body, err := staticFiles.ReadFile(n)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		base := path.Base(n)
		ext := path.Ext(base)
		hashed := strings.TrimSuffix(base, ext) + "." + hash[:16] + ext
		ctype := "text/javascript; charset=utf-8"
		switch ext {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		p.assets[hashed] = asset{body: body, contentType: ctype, etag: `"` + hash + `"`}
		p.urls[base] = "/static/" + hashed
	}
	funcs := Funcs(p.urls)
	files, _ := fs.Glob(templateFiles, "templates/*.html")
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "parts" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/parts.html", f))
		p.tmpl[name] = t
	}
	return p
}

// Funcs are the template functions that do not depend on the request;
// those that do (texts, dates) are methods of the page (View).
func Funcs(urls map[string]string) template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string {
			if u, ok := urls[name]; ok {
				return u
			}
			panic("web: no static file " + name)
		},
		"add":  func(a, b int) int { return a + b },
		"rows": textRows,
	}
}

// textRows is the number of rows a textarea needs to show text whole on a
// phone (textRowChars characters a line), with an empty line to type on:
// at least least, at most textRowsMax (the textarea then scrolls).
func textRows(text string, least int) int {
	n := 1
	if text != "" {
		for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
			n += max(1, (utf8.RuneCountInString(line)+textRowChars-1)/textRowChars)
		}
	}
	return min(max(n, least), textRowsMax)
}

const (
	textRowChars = 40
	textRowsMax  = 15
)

// TemplateFS is the embedded templates, for the catalog tests.
func TemplateFS() fs.FS { return templateFiles }

// static serves a file of static/ under its hashed name, cached for a year.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	a, ok := h.pages.assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// favicon answers /favicon.ico, which browsers ask for on their own, with
// the page's icon (static/favicon.svg), cached for a week: the pages name
// it by its hashed URL, so this is rarely asked.
func (h *Handler) favicon(w http.ResponseWriter, r *http.Request) {
	a := h.pages.assets[strings.TrimPrefix(h.pages.urls["favicon.svg"], "/static/")]
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "public, max-age=604800")
	hd.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// View is what every template gets: the language, the signed-in user, the
// page's data, and methods that write texts from the catalog and dates
// and numbers the way the language does.
type View struct {
	Lang  string
	User  *store.User
	Title string
	Path  string
	Data  any
}

// pairs turns "Name", value, … into template data.
func pairs(kv []any) i18n.Data {
	if len(kv) == 0 {
		return nil
	}
	d := i18n.Data{}
	for i := 0; i+1 < len(kv); i += 2 {
		d[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return d
}

// T is message id of the catalog, with named values.
func (v *View) T(id string, kv ...any) string { return i18n.T(v.Lang, id, pairs(kv)) }

// N is the plural form of message id for count.
func (v *View) N(id string, count int, kv ...any) string { return i18n.N(v.Lang, id, count, pairs(kv)) }

// Date writes a date (a time or YYYY-MM-DD) in the language: "12 mars 2026".
func (v *View) Date(d any) string {
	switch x := d.(type) {
	case time.Time:
		return i18n.Date(v.Lang, x)
	case *time.Time:
		if x == nil {
			return ""
		}
		return i18n.Date(v.Lang, *x)
	case string:
		t, err := time.Parse(time.DateOnly, x)
		if err != nil {
			return x
		}
		return i18n.Date(v.Lang, t)
	case *string:
		if x == nil {
			return ""
		}
		return v.Date(*x)
	}
	return ""
}

// Pct writes a percentage (0..100) in the language, "–" when nil.
func (v *View) Pct(p *float64) string {
	if p == nil {
		return "–"
	}
	return i18n.Percent(v.Lang, *p/100)
}

// Delta writes a difference of percentages in points, signed: "+12.5 points".
func (v *View) Delta(p *float64) string {
	if p == nil {
		return "–"
	}
	d := math.Round(*p*10) / 10
	s := strconv.FormatFloat(math.Abs(d), 'f', -1, 64)
	sign := ""
	switch {
	case d > 0:
		sign = "+"
	case d < 0:
		sign = "−"
	}
	return v.T("web.comparison.points", "Value", sign+i18n.Number(v.Lang, s))
}

// Int writes a whole number in the language.
func (v *View) Int(n int) string { return i18n.Int(v.Lang, int64(n)) }

// render writes page name with data in the request's language.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, titleID string, data any, titleArgs ...any) {
	lang := i18n.Lang(r.Context())
	v := &View{Lang: lang, User: viewer(r.Context()), Path: r.URL.RequestURI(), Data: data}
	v.Title = v.T(titleID, titleArgs...)
	var buf bytes.Buffer
	if err := h.pages.tmpl[name].Execute(&buf, v); err != nil {
		h.d.Log.ErrorContext(r.Context(), "web: template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", lang)
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type failData struct{ Message string }

// fail answers a page saying what went wrong, in the user's language.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, id string) {
	h.render(w, r, status, "error", "web.error.title", failData{Message: i18n.Tc(r.Context(), id)})
}

// internal answers a failure that is not the user's.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	if store.Unavailable(err) {
		w.Header().Set("Retry-After", "5")
		h.fail(w, r, http.StatusServiceUnavailable, "web.error.unavailable")
		return
	}
	h.d.Log.ErrorContext(r.Context(), "web: request failed", "path", r.URL.Path, "err", err)
	h.fail(w, r, http.StatusInternalServerError, "web.error.internal")
}

// refused answers a service error that is not a user error: sign-in
// needed, a role that may not do this, or a failure.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errs.ErrForbidden):
		h.fail(w, r, http.StatusForbidden, "web.error.forbidden")
	case errors.Is(err, errs.ErrUnauthenticated):
		h.toSignIn(w, r, "expired")
	default:
		h.internal(w, r, err)
	}
}

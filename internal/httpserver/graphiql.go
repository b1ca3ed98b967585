package httpserver

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"
)

// The GraphiQL page and everything it loads are embedded in the binary, so
// the page works on a machine without internet. The vendored files
// (graphiql, react, react-dom and their licences) come from pinned npm
// releases through scripts/update-graphiql.sh; index.html, start.js and
// page.css are the page's own.
//
//go:embed graphiql/index.html graphiql/start.js graphiql/page.css
//go:embed graphiql/graphiql.min.js graphiql/graphiql.min.css
//go:embed graphiql/react.production.min.js graphiql/react-dom.production.min.js
var graphiqlFiles embed.FS

// graphiqlCSP is the page's Content-Security-Policy: everything from the
// service itself, no inline script or style, no framing. Checked in
// Chromium with GraphiQL 3.9: its stylesheet embeds its fonts as data:
// URLs, hence font-src; the only thing still refused is the <style> that
// react-remove-scroll adds to lock the body's scrolling under a dialog,
// which this full-height page does not need, so styles stay strict.
const graphiqlCSP = "default-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// graphiqlAssetPrefix is where the page's scripts and styles are served,
// each under a name that carries a hash of its content, so that browsers
// may keep them for a year and a new release is fetched at once.
const graphiqlAssetPrefix = "/graphiql/assets/"

type staticFile struct {
	body        []byte
	contentType string
	etag        string
}

// graphiql serves the page at GET /graphiql and its assets.
type graphiql struct {
	page   staticFile
	assets map[string]staticFile // by hashed name
}

func newGraphiQL() *graphiql {
	g := &graphiql{assets: map[string]staticFile{}}
	urls := map[string]string{}
	for key, name := range map[string]string{
		"react_js":     "react.production.min.js",
		"react_dom_js": "react-dom.production.min.js",
		"graphiql_js":  "graphiql.min.js",
		"graphiql_css": "graphiql.min.css",
		"page_css":     "page.css",
		"start_js":     "start.js",
	} {
		body, err := graphiqlFiles.ReadFile("graphiql/" + name)
		if err != nil {
			panic(err) // the files are embedded: cannot happen
		}
		sum := contentHash(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + sum[:16] + ext
		ctype := "text/javascript; charset=utf-8"
		if ext == ".css" {
			ctype = "text/css; charset=utf-8"
		}
		g.assets[hashed] = staticFile{body: body, contentType: ctype, etag: `W/"` + sum + `"`}
		urls[key] = graphiqlAssetPrefix + hashed
	}
	tmpl := template.Must(template.ParseFS(graphiqlFiles, "graphiql/index.html"))
	var page bytes.Buffer
	if err := tmpl.Execute(&page, urls); err != nil {
		panic(err)
	}
	g.page = staticFile{body: page.Bytes(), contentType: "text/html; charset=utf-8", etag: `W/"` + contentHash(page.Bytes()) + `"`}
	return g
}

func contentHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// register adds the page, its assets, and, when asked (no web workspace
// is served), the redirect of GET / to the page.
func (g *graphiql) register(mux *http.ServeMux, rootRedirect bool) {
	if rootRedirect {
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/graphiql", http.StatusFound)
		})
	}
	mux.HandleFunc("GET /graphiql", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", graphiqlCSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		serveStatic(w, r, g.page)
	})
	mux.HandleFunc("GET "+graphiqlAssetPrefix+"{name}", func(w http.ResponseWriter, r *http.Request) {
		f, ok := g.assets[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		serveStatic(w, r, f)
	})
}

// serveStatic answers with f, or 304 when the client holds it already. The
// ETag is weak because the compression middleware may send the same content
// in another encoding.
func serveStatic(w http.ResponseWriter, r *http.Request, f staticFile) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/httpserver"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// These tests cover the HTTP behaviour around the GraphQL endpoint: CORS,
// compression and the offline GraphiQL page. None depends on the database,
// so they run on SQLite only.

const partnerOrigin = "https://partner.example.org"

func withPartnerOrigin(c *app.Config) { c.CORSOrigins = []string{partnerOrigin} }

// rawClient neither follows redirects nor negotiates compression on its
// own, so the tests see the answers as the server sends them.
var rawClient = &http.Client{
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (e *env) raw(method, path string, body []byte, header map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := rawClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, b
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

func TestCORSPreflightFromListedOrigin(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.NewURL(t, "sqlite"), withPartnerOrigin)
	res, body := e.raw("OPTIONS", "/graphql", nil, map[string]string{
		"Origin":                         partnerOrigin,
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "authorization,content-type,idempotency-key,x-unknown",
	})
	h := res.Header
	if res.StatusCode != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("preflight: HTTP %d %q", res.StatusCode, body)
	}
	if got := h.Get("Access-Control-Allow-Origin"); got != partnerOrigin {
		t.Fatalf("Access-Control-Allow-Origin %q", got)
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Fatalf("Access-Control-Allow-Credentials %q", got)
	}
	if got := h.Get("Access-Control-Allow-Methods"); got != "GET, POST" {
		t.Fatalf("Access-Control-Allow-Methods %q", got)
	}
	if got := h.Get("Access-Control-Allow-Headers"); got != "Authorization, Content-Type, Idempotency-Key" {
		t.Fatalf("Access-Control-Allow-Headers %q (x-unknown must not be allowed)", got)
	}
	if h.Get("Access-Control-Max-Age") == "" {
		t.Fatal("no Access-Control-Max-Age")
	}
	if !varies(h, "Origin") {
		t.Fatalf("Vary %q", h.Values("Vary"))
	}
	if h.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id on the preflight")
	}
	// The actual request that follows.
	res, body = e.raw("POST", "/graphql", []byte(`{"query":"{ __typename }"}`), map[string]string{
		"Origin": partnerOrigin, "Content-Type": "application/json",
	})
	if res.StatusCode != 200 || !bytes.Contains(body, []byte(`"__typename":"Query"`)) {
		t.Fatalf("POST: HTTP %d %s", res.StatusCode, body)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != partnerOrigin || res.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("POST CORS headers: %v", res.Header)
	}
	if !slices.Contains(strings.Split(res.Header.Get("Access-Control-Expose-Headers"), ", "), "X-Request-Id") {
		t.Fatalf("Access-Control-Expose-Headers %q", res.Header.Get("Access-Control-Expose-Headers"))
	}
	if !varies(res.Header, "Origin") {
		t.Fatalf("POST Vary %q", res.Header.Values("Vary"))
	}
}

func TestCORSUnlistedOriginGetsNoCORSHeaders(t *testing.T) {
	t.Parallel()
	noCORS := func(t *testing.T, what string, h http.Header) {
		t.Helper()
		for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
			"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers"} {
			if v := h.Get(name); v != "" {
				t.Fatalf("%s: %s: %q for an unlisted origin", what, name, v)
			}
		}
		if !varies(h, "Origin") {
			t.Fatalf("%s: Vary %q", what, h.Values("Vary"))
		}
	}
	preflight := map[string]string{"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type"}
	post := map[string]string{"Origin": "https://evil.example.com", "Content-Type": "application/json"}

	e := start(t, storetest.NewURL(t, "sqlite"), withPartnerOrigin)
	res, _ := e.raw("OPTIONS", "/graphql", nil, preflight)
	noCORS(t, "preflight", res.Header)
	res, _ = e.raw("POST", "/graphql", []byte(`{"query":"{ __typename }"}`), post)
	if res.StatusCode != 200 {
		t.Fatalf("POST without CORS must still be answered (the browser hides it): HTTP %d", res.StatusCode)
	}
	noCORS(t, "POST", res.Header)
	// A listed origin's look-alikes are other origins.
	for _, o := range []string{"http://partner.example.org", "https://partner.example.org:8443", "https://partner.example.org.evil.com", "null"} {
		res, _ = e.raw("OPTIONS", "/graphql", nil, map[string]string{"Origin": o, "Access-Control-Request-Method": "POST"})
		noCORS(t, o, res.Header)
	}

	// By default no origin is listed.
	def := start(t, storetest.NewURL(t, "sqlite"))
	preflight["Origin"], post["Origin"] = partnerOrigin, partnerOrigin
	res, _ = def.raw("OPTIONS", "/graphql", nil, preflight)
	noCORS(t, "default preflight", res.Header)
	res, _ = def.raw("POST", "/graphql", []byte(`{"query":"{ __typename }"}`), post)
	noCORS(t, "default POST", res.Header)
}

func TestCORSOriginsConfiguration(t *testing.T) {
	t.Parallel()
	got, err := httpserver.ParseCORSOrigins(" https://Partner.Example.org:443, http://localhost:3000,,http://[::1]:8080 ,https://partner.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://partner.example.org", "http://localhost:3000", "http://[::1]:8080"}; !slices.Equal(got, want) {
		t.Fatalf("origins %q, want %q", got, want)
	}
	for _, bad := range []string{"partner.example.org", "https://partner.example.org/", "https://partner.example.org/api",
		"*", "null", "ftp://partner.example.org", "https://", "https://user@partner.example.org", "https://partner.example.org:99999",
		"https://partner.example.org?x=1", "https://partner.example.org#top"} {
		env := func(k string) string {
			if k == "GENDERTRACK_CORS_ORIGINS" {
				return "https://ok.example.org," + bad
			}
			return ""
		}
		err := app.Run(context.Background(), []string{"serve", "--db", "sqlite:" + t.TempDir() + "/x.db", "--addr", "127.0.0.1:0"},
			env, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "GENDERTRACK_CORS_ORIGINS") {
			t.Fatalf("%q: start-up error %v, want one naming GENDERTRACK_CORS_ORIGINS", bad, err)
		}
	}
}

// introspection answers well over the compression threshold.
const introspection = `{"query":"query IntrospectionQuery { __schema { types { name kind fields { name type { name kind ofType { name kind } } } } } }","operationName":"IntrospectionQuery"}`

func checkSchemaJSON(t *testing.T, what string, b []byte) {
	t.Helper()
	var out struct {
		Data struct {
			Schema struct {
				Types []struct{ Name string } `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: not JSON: %v: %.200s", what, err, b)
	}
	if len(out.Errors) > 0 || !slices.ContainsFunc(out.Data.Schema.Types, func(x struct{ Name string }) bool { return x.Name == "Institution" }) {
		t.Fatalf("%s: not the schema: %.300s", what, b)
	}
}

func TestCompressionOfGraphQLAnswers(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.NewURL(t, "sqlite"))
	post := func(accept, id string) (*http.Response, []byte) {
		h := map[string]string{"Content-Type": "application/json", "X-Request-Id": id}
		if accept != "" {
			h["Accept-Encoding"] = accept
		}
		return e.raw("POST", "/graphql", []byte(introspection), h)
	}
	decoders := map[string]func([]byte) ([]byte, error){
		"gzip": func(b []byte) ([]byte, error) {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"zstd": func(b []byte) ([]byte, error) {
			r, err := zstd.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			defer r.Close()
			return io.ReadAll(r)
		},
	}
	for i, c := range []struct{ accept, want string }{
		{"gzip", "gzip"}, {"zstd", "zstd"}, {"gzip, deflate, br, zstd", "zstd"}, {"br", ""}, {"", ""},
	} {
		id := "compress-" + strconv.Itoa(i)
		res, body := post(c.accept, id)
		if res.StatusCode != 200 {
			t.Fatalf("Accept-Encoding %q: HTTP %d", c.accept, res.StatusCode)
		}
		if got := res.Header.Get("Content-Encoding"); got != c.want {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, got, c.want)
		}
		if res.Header.Get("X-Request-Id") != id {
			t.Fatalf("Accept-Encoding %q: X-Request-Id %q, want %q", c.accept, res.Header.Get("X-Request-Id"), id)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/") || !varies(res.Header, "Accept-Encoding") {
			t.Fatalf("Accept-Encoding %q: headers %v", c.accept, res.Header)
		}
		if c.want != "" {
			plain, err := decoders[c.want](body)
			if err != nil {
				t.Fatalf("%s answer does not decode: %v", c.want, err)
			}
			if len(plain) <= len(body) {
				t.Fatalf("%s: %d bytes compressed to %d", c.want, len(plain), len(body))
			}
			body = plain
		}
		if len(body) < 2048 {
			t.Fatalf("the introspection answer is only %d bytes", len(body))
		}
		checkSchemaJSON(t, "Accept-Encoding "+c.accept, body)
	}

	// Small answers stay as they are.
	res, body := e.raw("POST", "/graphql", []byte(`{"query":"{ __typename }"}`), map[string]string{"Content-Type": "application/json", "Accept-Encoding": "gzip"})
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" || !bytes.Contains(body, []byte("Query")) {
		t.Fatalf("small answer: HTTP %d, Content-Encoding %q, %s", res.StatusCode, res.Header.Get("Content-Encoding"), body)
	}
	// Refusals keep their status codes.
	res, _ = e.raw("PUT", "/graphql", []byte(introspection), map[string]string{"Accept-Encoding": "gzip"})
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, POST" {
		t.Fatalf("PUT: HTTP %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	big := append(append([]byte(`{"query":"{ __typename }","variables":{"x":"`), bytes.Repeat([]byte("a"), 2<<20)...), `"}}`...)
	res, _ = e.raw("POST", "/graphql", big, map[string]string{"Content-Type": "application/json", "Accept-Encoding": "gzip"})
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: HTTP %d", res.StatusCode)
	}
	// The endpoint's own status recorder still sees the status: the metrics
	// count the compressed introspections as answered with 200.
	_, metrics := e.get("/metrics")
	if !strings.Contains(metrics, `gendertrack_graphql_requests_total{operation="IntrospectionQuery",status="200"} 5`) ||
		!strings.Contains(metrics, `gendertrack_graphql_requests_total{operation="anonymous",status="413"} 1`) {
		t.Fatalf("metrics:\n%s", metrics)
	}
}

func TestGraphiQLIsServedOffline(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.NewURL(t, "sqlite"))

	// GET / is the web workspace (RULES.md §10): without a session it
	// leads to its sign-in page.
	res, _ := e.raw("GET", "/", nil, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("GET /: HTTP %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}

	res, page := e.raw("GET", "/graphiql", nil, map[string]string{"Accept-Encoding": "gzip"})
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /graphiql: HTTP %d, %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		r, err := gzip.NewReader(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(r)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
	html := string(page)
	if !strings.Contains(html, "login") || !strings.Contains(html, "Authorization") || !strings.Contains(html, "Bearer") {
		t.Fatalf("the page does not say how to send the token:\n%s", html)
	}
	if !regexp.MustCompile(`(?is)<div id="graphiql" data-endpoint="/graphql">`).MatchString(html) {
		t.Fatalf("no GraphiQL root posting to /graphql:\n%s", html)
	}
	// No inline script: every <script> has a src and is empty.
	for _, m := range regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Fatalf("inline script: %s", m[0])
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(html) {
		t.Fatal("inline event handler on the page")
	}
	// Every script and style comes from the service, answers 200 with its
	// content type, may be cached for long, and revalidates by ETag.
	refs := regexp.MustCompile(`(?i)<(script|link)\b[^>]*\b(?:src|href)="([^"]+)"`).FindAllStringSubmatch(html, -1)
	kinds := map[string]int{}
	for _, m := range refs {
		tag, u := strings.ToLower(m[1]), m[2]
		if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.Contains(u, "://") {
			t.Fatalf("%s loads %q, not from the service", tag, u)
		}
		want := "text/javascript"
		if tag == "link" {
			want = "text/css"
		}
		res, body := e.raw("GET", u, nil, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), want) || len(body) == 0 {
			t.Fatalf("%s: HTTP %d, %q, %d bytes", u, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Fatalf("%s: Cache-Control %q", u, cc)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", u)
		}
		if res, _ := e.raw("GET", u, nil, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
			t.Fatalf("%s with If-None-Match: HTTP %d", u, res.StatusCode)
		}
		kinds[want]++
	}
	if kinds["text/javascript"] < 4 || kinds["text/css"] < 2 {
		t.Fatalf("expected React, ReactDOM, GraphiQL and the start-up script, and two stylesheets; got %v", kinds)
	}
	// The big bundle comes compressed to a client that accepts it.
	for _, m := range refs {
		if strings.Contains(m[2], "graphiql.min.") && strings.HasSuffix(m[2], ".js") {
			res, _ := e.raw("GET", m[2], nil, map[string]string{"Accept-Encoding": "gzip"})
			if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s with gzip: HTTP %d, Content-Encoding %q", m[2], res.StatusCode, res.Header.Get("Content-Encoding"))
			}
		}
	}
	if res, _ := e.raw("GET", "/graphiql/assets/graphiql.min.0000000000000000.js", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown asset: HTTP %d", res.StatusCode)
	}
}

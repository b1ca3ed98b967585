package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
	"github.com/gendertrack/gendertrack/internal/web"
)

// clock is a settable "now".
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// site is a real gendertrack server with the demo data on a real
// database, spoken to over HTTP as a browser would.
type site struct {
	t     *testing.T
	URL   string
	clock *clock
}

func startSite(t *testing.T, dsn string) *site {
	t.Helper()
	clk := &clock{now: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}
	cfg := app.Defaults()
	cfg.DB, cfg.Demo, cfg.Now = dsn, true, clk.Now
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := app.NewServer(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return &site{t: t, URL: "http://" + ln.Addr().String(), clock: clk}
}

// browser keeps cookies and never follows redirects, so that tests see
// them; it sends what a browser sends on a same-origin form post.
type browser struct {
	s      *site
	c      *http.Client
	header map[string]string
}

func (s *site) browser(lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, header: map[string]string{"Accept-Language": lang}, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Body   string
	Header http.Header
}

func (p page) Location() string { return p.Header.Get("Location") }

func (b *browser) do(method, path string, form url.Values, extra map[string]string) page {
	b.s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	for k, v := range b.header {
		req.Header.Set(k, v)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.s.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range extra {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Body: string(data), Header: res.Header}
}

func (b *browser) get(path string) page { b.s.t.Helper(); return b.do("GET", path, nil, nil) }
func (b *browser) post(path string, form url.Values) page {
	b.s.t.Helper()
	return b.do("POST", path, form, nil)
}

// signIn signs in with a demo account.
func (s *site) signIn(email, lang string) *browser {
	s.t.Helper()
	b := s.browser(lang)
	p := b.post("/signin", url.Values{"email": {email}, "password": {demo.Password}, "next": {"/"}})
	if p.Status != http.StatusSeeOther || p.Location() != "/" {
		s.t.Fatalf("sign-in as %s: HTTP %d %q\n%s", email, p.Status, p.Location(), p.Body)
	}
	return b
}

func must(t *testing.T, p page, status int, contains ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("HTTP %d, want %d\n%s", p.Status, status, p.Body)
	}
	for _, c := range contains {
		if !strings.Contains(p.Body, c) && !strings.Contains(p.Body, html.EscapeString(c)) {
			t.Fatalf("the page lacks %q\n%s", c, p.Body)
		}
	}
}

func mustNot(t *testing.T, p page, absent ...string) {
	t.Helper()
	for _, c := range absent {
		if strings.Contains(p.Body, c) || strings.Contains(p.Body, html.EscapeString(c)) {
			t.Fatalf("the page holds %q, which it must not\n%s", c, p.Body)
		}
	}
}

var (
	assessmentLink = regexp.MustCompile(`href="/assessments/([A-Za-z0-9_-]+)"`)
	versionField   = regexp.MustCompile(`name="ver\.([a-z0-9-]+)" value="(\d+)"`)
	hiddenVersion  = regexp.MustCompile(`name="version" value="(\d+)"`)
)

// ids of the demo data, found through the pages as a user would.
type demoIDs struct {
	police, baseline, followUp string
}

func findIDs(t *testing.T, b *browser) demoIDs {
	t.Helper()
	home := b.get("/")
	m := regexp.MustCompile(`href="/institutions/([A-Za-z0-9_-]+)"`).FindStringSubmatch(home.Body)
	if m == nil {
		t.Fatalf("no institution on the home page\n%s", home.Body)
	}
	ids := demoIDs{police: m[1]}
	list := b.get("/institutions/" + ids.police + "/assessments")
	for _, row := range strings.Split(list.Body, "<tr data-assessment=")[1:] {
		id := assessmentLink.FindStringSubmatch(row)[1]
		switch {
		case strings.Contains(row, "Baseline gender self-assessment 2025"):
			ids.baseline = id
		case strings.Contains(row, "Follow-up gender self-assessment 2026"):
			ids.followUp = id
		}
	}
	if ids.baseline == "" || ids.followUp == "" {
		t.Fatalf("demo assessments not listed\n%s", list.Body)
	}
	return ids
}

var (
	checkedField  = regexp.MustCompile(`<input type="(?:radio|checkbox)" id="[^"]*" name="([^"]+)" value="([^"]*)" checked>`)
	numberField   = regexp.MustCompile(`<input id="[^"]*" name="(v\.[^"]+)" inputmode="decimal" autocomplete="off" value="([^"]*)"`)
	textareaField = regexp.MustCompile(`(?s)<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>`)
)

// areaForm is the form of an area page as the browser would send it
// unchanged: the answers shown and the version of each.
func areaForm(t *testing.T, p page) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range versionField.FindAllStringSubmatch(p.Body, -1) {
		f.Set("ver."+m[1], m[2])
	}
	for _, m := range checkedField.FindAllStringSubmatch(p.Body, -1) {
		f.Add(m[1], html.UnescapeString(m[2]))
	}
	for _, re := range []*regexp.Regexp{numberField, textareaField} {
		for _, m := range re.FindAllStringSubmatch(p.Body, -1) {
			f.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	if len(f) == 0 {
		t.Fatalf("no question in the form\n%s", p.Body)
	}
	return f
}

// TestWorkspace walks the assessment cycle through the pages, with every
// role, on SQLite and PostgreSQL.
func TestWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		t.Parallel()
		s := startSite(t, dsn)
		committee := s.signIn("committee@demo.gendertrack.org", "en")
		ids := findIDs(t, committee)
		followArea := "/assessments/" + ids.followUp + "/areas/"

		t.Run("headers", func(t *testing.T) {
			p := s.browser("en").get("/signin")
			must(t, p, 200, `lang="en"`, `href="#main"`)
			for k, v := range map[string]string{"Content-Security-Policy": web.CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
				if got := p.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
				if !strings.Contains(p.Header.Get("Content-Security-Policy"), want) {
					t.Errorf("CSP lacks %s", want)
				}
			}
			if strings.Contains(p.Body, "style=") || regexp.MustCompile(`<script>|<script [^s]`).MatchString(p.Body) {
				t.Error("inline style or script on the page")
			}
			home := committee.get("/")
			if home.Header.Get("Content-Security-Policy") != web.CSP || home.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("signed-in page headers: %v", home.Header)
			}
		})

		t.Run("static files are hashed and cached", func(t *testing.T) {
			p := s.browser("en").get("/signin")
			for _, re := range []string{`href="(/static/app\.[0-9a-f]{16}\.css)"`, `src="(/static/app\.[0-9a-f]{16}\.js)"`} {
				m := regexp.MustCompile(re).FindStringSubmatch(p.Body)
				if m == nil {
					t.Fatalf("no %s in the page", re)
				}
				f := s.browser("en").get(m[1])
				if f.Status != 200 || f.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || f.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Fatalf("%s: HTTP %d %v", m[1], f.Status, f.Header)
				}
			}
			icon := regexp.MustCompile(`<link rel="icon" href="(/static/favicon\.[0-9a-f]{16}\.svg)"`).FindStringSubmatch(p.Body)
			if icon == nil {
				t.Fatal("the page names no icon")
			}
			for _, u := range []string{icon[1], "/favicon.ico"} {
				f := s.browser("en").get(u)
				if f.Status != 200 || f.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(f.Header.Get("Cache-Control"), "public, max-age=") || !strings.HasPrefix(f.Body, "<svg") {
					t.Fatalf("%s: HTTP %d %v", u, f.Status, f.Header)
				}
			}
			if f := s.browser("en").get("/static/app.0000000000000000.css"); f.Status != 404 {
				t.Fatalf("unknown static file: HTTP %d", f.Status)
			}
		})

		t.Run("pages are compressed and light", func(t *testing.T) {
			// The budget of slow links: a first visit (sign-in page, style,
			// script, icon, home) at most 60 KB compressed, a later page 20 KB.
			jar := committee.c.Jar
			raw := &http.Client{Jar: jar, Transport: &http.Transport{DisableCompression: true},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			size := func(path string) int {
				req, _ := http.NewRequest("GET", s.URL+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				res, err := raw.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != 200 {
					t.Fatalf("%s: HTTP %d", path, res.StatusCode)
				}
				if len(b) > 1024 && res.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("%s: not compressed (%d bytes)", path, len(b))
				}
				return len(b)
			}
			signin := s.browser("en").get("/signin").Body
			first := size("/signin") + size("/")
			for _, re := range []string{`/static/app\.[0-9a-f]{16}\.css`, `/static/app\.[0-9a-f]{16}\.js`, `/static/favicon\.[0-9a-f]{16}\.svg`} {
				first += size(regexp.MustCompile(re).FindString(signin))
			}
			if first > 60<<10 {
				t.Errorf("first visit: %d bytes compressed", first)
			}
			for _, p := range []string{"/institutions/" + ids.police, "/assessments/" + ids.followUp, followArea + "personnel",
				"/assessments/" + ids.baseline + "/findings", "/assessments/" + ids.followUp + "/comparison"} {
				if n := size(p); n > 20<<10 {
					t.Errorf("%s: %d bytes compressed", p, n)
				}
			}
		})

		t.Run("sign-in", func(t *testing.T) {
			b := s.browser("en")
			p := b.get("/")
			if p.Status != http.StatusSeeOther || p.Location() != "/signin" {
				t.Fatalf("anonymous home: HTTP %d %q", p.Status, p.Location())
			}
			wrong := b.post("/signin", url.Values{"email": {"committee@demo.gendertrack.org"}, "password": {"not-the-password"}})
			must(t, wrong, http.StatusUnprocessableEntity, "The email address or the password is wrong.", `value="committee@demo.gendertrack.org"`)
			ok := b.post("/signin", url.Values{"email": {"committee@demo.gendertrack.org"}, "password": {demo.Password}, "next": {"/institutions/" + ids.police}})
			if ok.Status != http.StatusSeeOther || ok.Location() != "/institutions/"+ids.police {
				t.Fatalf("sign-in: HTTP %d %q", ok.Status, ok.Location())
			}
			c := ok.Header.Get("Set-Cookie")
			for _, want := range []string{web.SessionCookie + "=gtt_", "HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(c, want) {
					t.Errorf("session cookie %q lacks %s", c, want)
				}
			}
			if strings.Contains(c, "Secure") {
				t.Error("Secure cookie over plain HTTP")
			}
			// An off-site "next" is not followed.
			evil := s.browser("en").post("/signin", url.Values{"email": {"committee@demo.gendertrack.org"}, "password": {demo.Password}, "next": {"//evil.example/"}})
			if evil.Location() != "/" {
				t.Fatalf("next=//evil.example/ led to %q", evil.Location())
			}
		})

		t.Run("home and institution", func(t *testing.T) {
			must(t, committee.get("/"), 200, "Welcome, Moussa Committee", "1 draft assessment you can fill", "National Police", "Follow-up gender self-assessment 2026")
			inst := committee.get("/institutions/" + ids.police)
			must(t, inst, 200, `id="institution-name"`, "units", "Gender committee", "open gap flag", "Action plans", "Baseline gender self-assessment 2025")
			if !regexp.MustCompile(`id="open-flags" data-count="[1-9]`).MatchString(inst.Body) {
				t.Fatalf("no open flags counted\n%s", inst.Body)
			}
			// The gendarmerie is not the committee member's: it does not exist for it.
			gend := s.signIn("gendarmerie@demo.gendertrack.org", "en")
			gids := regexp.MustCompile(`href="/institutions/([A-Za-z0-9_-]+)"`).FindStringSubmatch(gend.get("/").Body)
			must(t, committee.get("/institutions/"+gids[1]), 404, "This page does not exist")
			must(t, gend.get("/assessments/"+ids.followUp), 404)
			must(t, committee.get("/assessments/not-an-id"), 404)
		})

		t.Run("start an assessment", func(t *testing.T) {
			list := committee.get("/institutions/" + ids.police + "/assessments")
			must(t, list, 200, `id="create-assessment"`, `name="questionnaire"`, `<label for="title">`)
			bad := committee.post("/institutions/"+ids.police+"/assessments", url.Values{"questionnaire": {"security-sector-gender-self-assessment"}, "title": {"  "}, "startDate": {"2026-06-15"}})
			must(t, bad, http.StatusUnprocessableEntity, `id="title-error"`, `aria-invalid="true"`)
			ok := committee.post("/institutions/"+ids.police+"/assessments", url.Values{"questionnaire": {"gbv-crsv-response-capacity"}, "title": {"GBV capacity review 2026"}, "startDate": {"2026-06-15"}})
			if ok.Status != http.StatusSeeOther || !strings.HasPrefix(ok.Location(), "/assessments/") {
				t.Fatalf("create: HTTP %d %q\n%s", ok.Status, ok.Location(), ok.Body)
			}
			must(t, committee.get(ok.Location()), 200, "GBV capacity review 2026", `data-status="DRAFT"`, "0 of")
		})

		t.Run("fill an area: errors beside their questions, nothing saved", func(t *testing.T) {
			p := committee.get(followArea + "personnel")
			must(t, p, 200, `id="area-form"`, `id="save"`, "<details", `<label for="c-`)
			f := areaForm(t, p)
			f.Set("v.women-share-career-courses", "150") // out of range
			f.Set("c.women-share-career-courses", "A comment that must not be saved")
			refused := committee.post(followArea+"personnel", f)
			must(t, refused, http.StatusUnprocessableEntity, `<div class="field-error" id="err-women-share-career-courses"><p>Enter a percentage from 0 to 100.</p>`,
				`value="150"`, "A comment that must not be saved")
			mustNot(t, committee.get(followArea+"personnel"), "A comment that must not be saved")

			f.Set("v.women-share-career-courses", "12,5") // a French decimal comma
			saved := committee.post(followArea+"personnel", f)
			if saved.Status != http.StatusSeeOther || !strings.HasSuffix(saved.Location(), "?saved=1") {
				t.Fatalf("save: HTTP %d %q\n%s", saved.Status, saved.Location(), saved.Body)
			}
			after := committee.get(saved.Location())
			must(t, after, 200, `id="saved-notice"`, `value="12.5"`, "A comment that must not be saved", `name="ver.women-share-career-courses" value="1"`)

			// A save at the version read before: CONFLICT beside the question, the
			// user's answer kept on screen, nothing changed.
			f.Set("v.women-share-career-courses", "20")
			conflict := committee.post(followArea+"personnel", f)
			must(t, conflict, http.StatusConflict, "Someone else changed this answer", "it is now: 12.5", `value="20"`, `name="ver.women-share-career-courses" value="1"`)
			must(t, committee.get(followArea+"personnel"), 200, `value="12.5"`)
		})

		t.Run("save with JavaScript: Idempotency-Key", func(t *testing.T) {
			f := areaForm(t, committee.get(followArea+"community-relations"))
			q := "outreach-sessions-held"
			f.Del("v." + q)
			f.Set("na."+q, "1")
			js := map[string]string{"Accept": "application/json", "Idempotency-Key": "k-1"}
			first := committee.do("POST", followArea+"community-relations", f, js)
			var out struct {
				OK       bool           `json:"ok"`
				Versions map[string]int `json:"versions"`
			}
			if err := json.Unmarshal([]byte(first.Body), &out); err != nil || first.Status != 200 || !out.OK || out.Versions[q] == 0 {
				t.Fatalf("JSON save: HTTP %d %s", first.Status, first.Body)
			}
			again := committee.do("POST", followArea+"community-relations", f, js)
			if again.Status != 200 || again.Body != first.Body || again.Header.Get("Idempotent-Replay") != "true" {
				t.Fatalf("retry with the same key: HTTP %d %s %v", again.Status, again.Body, again.Header)
			}
			f.Set("c."+q, "other")
			reused := committee.do("POST", followArea+"community-relations", f, js)
			must(t, reused, http.StatusUnprocessableEntity, "already sent with other answers")
			// Without the key, the same stale save is a conflict, in JSON.
			stale := committee.do("POST", followArea+"community-relations", f, map[string]string{"Accept": "application/json"})
			must(t, stale, http.StatusConflict, `"conflicts"`, `"question":"`+q+`"`)
		})

		t.Run("focal point and leadership are not offered save or submit", func(t *testing.T) {
			for _, email := range []string{"focalpoint@demo.gendertrack.org", "leadership@demo.gendertrack.org"} {
				b := s.signIn(email, "en")
				must(t, b.get(followArea+"performance-effectiveness"), 200, "Circular 2025-117")
				p := b.get(followArea + "personnel")
				must(t, p, 200, `id="read-only"`, `fieldset class="plain" id="area-fields" disabled`)
				mustNot(t, p, `id="save"`)
				mustNot(t, b.get("/assessments/"+ids.followUp), `id="submit-form"`)
				f := areaForm(t, p)
				f.Set("na.women-share-career-courses", "1")
				must(t, b.post(followArea+"personnel", f), http.StatusForbidden, "Your role does not allow this action.")
				must(t, b.post("/assessments/"+ids.followUp+"/submit", url.Values{"version": {"1"}}), http.StatusForbidden, "Your role does not allow this action.")
				mustNot(t, b.get("/institutions/"+ids.police+"/assessments"), `id="create-assessment"`)
				must(t, b.post("/institutions/"+ids.police+"/assessments", url.Values{"questionnaire": {"gbv-crsv-response-capacity"}, "title": {"x"}, "startDate": {"2026-06-15"}}),
					http.StatusForbidden, "Your role does not allow")
			}
		})

		t.Run("partner sees scores and findings, never answers", func(t *testing.T) {
			partner := s.signIn("partner@demo.gendertrack.org", "en")
			must(t, partner.get("/assessments/"+ids.followUp), 200, "Overall score:", "questions answered")
			must(t, partner.get("/assessments/"+ids.baseline+"/findings"), 200, "No women officers on night duty", "High")
			area := partner.get(followArea + "performance-effectiveness")
			must(t, area, 200, `id="no-answers"`, "Your role sees scores and findings")
			mustNot(t, area, "Circular 2025-117", `name="v.`, `name="c.`, `name="e.`, `checked`)
			must(t, committee.get(followArea+"performance-effectiveness"), 200, "Circular 2025-117")
			for _, path := range []string{"/assessments/" + ids.followUp, "/assessments/" + ids.baseline + "/findings", "/assessments/" + ids.followUp + "/comparison", "/institutions/" + ids.police} {
				mustNot(t, partner.get(path), "Circular 2025-117", "Signed by the Director General")
			}
			f := url.Values{"ver.gbv-standard-operating-procedures": {"0"}, "v.gbv-standard-operating-procedures": {"true"}}
			must(t, partner.post(followArea+"performance-effectiveness", f), http.StatusForbidden, "Your role does not allow")
		})

		t.Run("comparison with the previous validated assessment", func(t *testing.T) {
			p := committee.get("/assessments/" + ids.followUp + "/comparison")
			must(t, p, 200, `<svg id="comparison-chart" role="img"`, `<title id="chart-title">`, `class="bar-after"`, `id="comparison-table"`, "Baseline gender self-assessment 2025", "points")
			must(t, committee.get("/assessments/"+ids.baseline+"/comparison"), 200, `id="no-previous"`)
		})

		t.Run("submit, reopen with a reason, validate", func(t *testing.T) {
			ov := committee.get("/assessments/" + ids.followUp)
			must(t, ov, 200, `id="required-missing"`, `id="submit-form"`)
			v := hiddenVersion.FindStringSubmatch(ov.Body)[1]
			must(t, committee.post("/assessments/"+ids.followUp+"/submit", url.Values{"version": {v}}), http.StatusUnprocessableEntity, "cannot be submitted yet")
			// Answer the missing required questions: not applicable.
			for _, m := range regexp.MustCompile(`areas/([a-z-]+)#q-([a-z0-9-]+)`).FindAllStringSubmatch(ov.Body, -1) {
				p := committee.get(followArea + m[1])
				f := areaForm(t, p)
				f.Set("na."+m[2], "1")
				if r := committee.post(followArea+m[1], f); r.Status != http.StatusSeeOther {
					t.Fatalf("answering %s: HTTP %d\n%s", m[2], r.Status, r.Body)
				}
			}
			ov = committee.get("/assessments/" + ids.followUp)
			mustNot(t, ov, `id="required-missing"`)
			v = hiddenVersion.FindStringSubmatch(ov.Body)[1]
			must(t, committee.post("/assessments/"+ids.followUp+"/submit", url.Values{"version": {"0"}}), http.StatusConflict, "changed by someone else")
			sub := committee.post("/assessments/"+ids.followUp+"/submit", url.Values{"version": {v}})
			if sub.Status != http.StatusSeeOther {
				t.Fatalf("submit: HTTP %d\n%s", sub.Status, sub.Body)
			}
			must(t, committee.get(sub.Location()), 200, `data-status="SUBMITTED"`, `id="done-notice"`)
			mustNot(t, committee.get(followArea+"personnel"), `id="save"`)

			leader := s.signIn("leadership@demo.gendertrack.org", "en")
			must(t, leader.get("/"), 200, "1 assessment awaits validation", `class="awaiting"`)
			ov = leader.get("/assessments/" + ids.followUp)
			must(t, ov, 200, `id="validate-form"`, `id="reopen-form"`, `<label for="reopen-reason">`)
			v = hiddenVersion.FindStringSubmatch(ov.Body)[1]
			must(t, leader.post("/assessments/"+ids.followUp+"/reopen", url.Values{"version": {v}, "reason": {" "}}), http.StatusUnprocessableEntity, "Say why the assessment is reopened.")
			must(t, committee.post("/assessments/"+ids.followUp+"/validate", url.Values{"version": {v}}), http.StatusForbidden, "Your role does not allow")
			re := leader.post("/assessments/"+ids.followUp+"/reopen", url.Values{"version": {v}, "reason": {"The personnel figures need checking."}})
			if re.Status != http.StatusSeeOther {
				t.Fatalf("reopen: HTTP %d\n%s", re.Status, re.Body)
			}
			must(t, leader.get(re.Location()), 200, `data-status="DRAFT"`)

			v = hiddenVersion.FindStringSubmatch(committee.get("/assessments/" + ids.followUp).Body)[1]
			if r := committee.post("/assessments/"+ids.followUp+"/submit", url.Values{"version": {v}}); r.Status != http.StatusSeeOther {
				t.Fatalf("second submit: HTTP %d\n%s", r.Status, r.Body)
			}
			v = hiddenVersion.FindStringSubmatch(leader.get("/assessments/" + ids.followUp).Body)[1]
			if r := leader.post("/assessments/"+ids.followUp+"/validate", url.Values{"version": {v}}); r.Status != http.StatusSeeOther {
				t.Fatalf("validate: HTTP %d\n%s", r.Status, r.Body)
			}
			must(t, leader.get("/assessments/"+ids.followUp), 200, `data-status="VALIDATED"`)
			mustNot(t, leader.get("/assessments/"+ids.followUp), `id="validate-form"`)
			must(t, leader.get("/assessments/"+ids.followUp+"/findings"), 200, "finding")
			must(t, leader.get("/"), 200, "Nothing is waiting for you.")
		})

		t.Run("cross-origin posts are refused", func(t *testing.T) {
			v := hiddenVersion.FindStringSubmatch(committee.get("/assessments/" + ids.followUp).Body)
			ver := "1"
			if v != nil {
				ver = v[1]
			}
			for _, h := range []map[string]string{
				{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
				{"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
				{"Sec-Fetch-Site": "same-site", "Origin": "https://other." + "example"},
			} {
				p := committee.do("POST", "/assessments/"+ids.followUp+"/submit", url.Values{"version": {ver}}, h)
				must(t, p, http.StatusForbidden, "did not come from a page of this site")
				p = s.browser("fr").do("POST", "/signin", url.Values{"email": {"committee@demo.gendertrack.org"}, "password": {demo.Password}}, h)
				must(t, p, http.StatusForbidden, "ne provient pas d'une page de ce site")
				if p.Header.Get("Set-Cookie") != "" {
					t.Fatal("a cross-origin sign-in set a cookie")
				}
			}
		})

		t.Run("language: cookie before sign-in, stored on the user after", func(t *testing.T) {
			b := s.browser("en")
			p := b.post("/language", url.Values{"lang": {"fr"}, "back": {"/signin"}})
			if p.Status != http.StatusSeeOther || p.Location() != "/signin" || !strings.Contains(p.Header.Get("Set-Cookie"), web.LanguageCookie+"=fr") {
				t.Fatalf("language: HTTP %d %q %q", p.Status, p.Location(), p.Header.Get("Set-Cookie"))
			}
			must(t, b.get("/signin"), 200, `lang="fr"`, "Se connecter", "Adresse électronique")
			if r := b.post("/signin", url.Values{"email": {"auditor@demo.gendertrack.org"}, "password": {demo.Password}}); r.Status != http.StatusSeeOther {
				t.Fatalf("sign-in: HTTP %d", r.Status)
			}
			// Another browser, in English, without the cookie: the user's choice wins.
			other := s.signIn("auditor@demo.gendertrack.org", "en-GB,en;q=0.9")
			list := other.get("/institutions/" + ids.police + "/assessments")
			must(t, list, 200, `lang="fr"`, "Évaluations", "15 janvier 2025", "Validée")
			must(t, other.get("/assessments/"+ids.baseline), 200, "du 15 janvier 2025 au 31 mars 2025", "Score global")
			must(t, other.get("/assessments/"+ids.baseline+"/findings"), 200, "Constats", "Élevée")
			must(t, other.get("/assessments/"+ids.followUp+"/comparison"), 200, "Comparaison avec l'évaluation précédente")
			must(t, other.get("/assessments/nope"), 404, "Cette page n'existe pas")
			// Back to English, from a signed-in page.
			if r := other.post("/language", url.Values{"lang": {"en"}, "back": {"/"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("language: HTTP %d", r.Status)
			}
			must(t, s.signIn("auditor@demo.gendertrack.org", "fr").get("/"), 200, `lang="en"`, "Welcome")
			// Without any choice, Accept-Language decides.
			must(t, s.browser("fr-ML,fr;q=0.9").get("/signin"), 200, `lang="fr"`, "Se connecter")
		})

		t.Run("sign-out revokes the session", func(t *testing.T) {
			b := s.signIn("coordinator@demo.gendertrack.org", "en")
			cookies := b.c.Jar.Cookies(mustURL(s.URL))
			out := b.post("/signout", url.Values{})
			if out.Status != http.StatusSeeOther || out.Location() != "/signin" || !strings.Contains(out.Header.Get("Set-Cookie"), "Max-Age=0") {
				t.Fatalf("sign-out: HTTP %d %q %q", out.Status, out.Location(), out.Header.Get("Set-Cookie"))
			}
			// The old token, sent again, is refused and cleared.
			stolen := s.browser("en")
			stolen.c.Jar.SetCookies(mustURL(s.URL), cookies)
			p := stolen.get("/institutions/" + ids.police)
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location(), "/signin?") || !strings.Contains(p.Location(), "why=expired") ||
				!strings.Contains(p.Header.Get("Set-Cookie"), "Max-Age=0") {
				t.Fatalf("revoked session: HTTP %d %q %q", p.Status, p.Location(), p.Header.Get("Set-Cookie"))
			}
			must(t, s.browser("en").get(p.Location()), 200, "Your session has ended.")
			unknown := s.browser("en")
			unknown.c.Jar.SetCookies(mustURL(s.URL), []*http.Cookie{{Name: web.SessionCookie, Value: "gtt_nonsense"}})
			if p := unknown.get("/"); p.Status != http.StatusSeeOther || !strings.Contains(p.Location(), "why=expired") {
				t.Fatalf("unknown session: HTTP %d %q", p.Status, p.Location())
			}
		})

		// Last: it moves the clock past every session's end.
		t.Run("expired sessions go to sign-in", func(t *testing.T) {
			s.clock.Add(13 * time.Hour)
			p := committee.get("/")
			if p.Status != http.StatusSeeOther || !strings.Contains(p.Location(), "why=expired") || !strings.Contains(p.Header.Get("Set-Cookie"), "Max-Age=0") {
				t.Fatalf("expired session: HTTP %d %q %q", p.Status, p.Location(), p.Header.Get("Set-Cookie"))
			}
			f := url.Values{"ver.women-share-career-courses": {"1"}}
			if p := committee.post(followArea+"personnel", f); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location(), "/signin") {
				t.Fatalf("expired session, POST: HTTP %d %q", p.Status, p.Location())
			}
		})
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

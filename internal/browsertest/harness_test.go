package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// Demo accounts (internal/demo), all with the same password.
const (
	committee  = "committee@demo.gendertrack.org"
	leadership = "leadership@demo.gendertrack.org"
	adminUser  = "admin@demo.gendertrack.org"
	password   = "gendertrack-demo"
)

// site is a real gendertrack server with the demo data, on a real database,
// served on a loopback port until the test ends.
type site struct {
	URL    string
	Server *app.Server
	Clock  *clock
	logs   *syncBuffer
}

// clock is the server's "now": the real time moved by an offset the test
// may change (to let sessions expire, say).
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }

// Advance moves the server's clock forward by d.
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.offset += d }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// startSite runs a server with the demo data on the database at dsn. The
// server's log is printed when the test fails.
func startSite(t testing.TB, dsn string, opts ...func(*app.Config)) *site {
	t.Helper()
	clk := &clock{}
	cfg := app.Defaults()
	cfg.DB = dsn
	cfg.Demo = true
	cfg.Now = clk.Now
	for _, o := range opts {
		o(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := app.NewServer(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	s := &site{URL: "http://" + ln.Addr().String(), Server: srv, Clock: clk, logs: logs}
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", tail(logs.String(), 60))
		}
	})
	return s
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// eachDB runs fn as a subtest on SQLite and on PostgreSQL (storetest's
// rules: PostgreSQL skips when unreachable, fails under CI=true), each with
// a fresh server on a fresh database with the demo data.
func eachDB(t *testing.T, fn func(t *testing.T, s *site)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, dsn string) {
		t.Parallel()
		fn(t, startSite(t, dsn))
	})
}

// page is one browser tab in a browser context of its own (its own
// cookies, cache and localStorage), on one site. Every page it lands on
// through its helpers is checked with axe-core; an uncaught exception or a
// Content-Security-Policy violation in the page fails the test.
type page struct {
	t    testing.TB
	ctx  context.Context
	site *site

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	// allowCSP lets a test provoke CSP violations on purpose.
	allowCSP bool
	// axeDone holds the URLs already checked with axe-core.
	axeDone map[string]bool
	// axeKnown names the axe-core rules ("rule", or "rule@targets" for
	// exactly those elements) whose violations are only logged, with why:
	// for pages that are not the project's own (GraphiQL), and faults
	// reported to the page's authors, until they are fixed.
	axeKnown map[string]string
	// vp is the screen the page is shown on (desktop unless set).
	vp viewport
}

// newPage opens a tab in a new browser context of the shared browser.
func newPage(t testing.TB, s *site) *page {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(browser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// Bound every action of the test: a page that never shows what the
	// test waits for fails it instead of hanging the suite.
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	t.Cleanup(cancel)
	p := &page{t: t, ctx: ctx, site: s, axeDone: map[string]bool{}, vp: desktop}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(p.checkConsole)
	return p
}

// checkConsole fails the test for every uncaught exception and CSP
// violation the page reported.
func (p *page) checkConsole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.console {
		switch {
		case m.IsException():
			p.t.Errorf("uncaught exception in the page (%s:%d): %s", m.URL, m.Line, m.Text)
		case strings.Contains(m.Text, "Content Security Policy") && !p.allowCSP:
			p.t.Errorf("Content-Security-Policy violation: %s", m.Text)
		case m.Type == chromedp.ConsoleError:
			p.t.Logf("console error: %s %s", m.Text, m.URL)
		}
	}
}

// do runs actions, failing the test at the first error.
func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s (at %s): %v", what, p.location(), err)
	}
}

// run runs one action that returns a value, failing the test on error.
func run[T any](p *page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, a)
	if err != nil {
		p.t.Fatalf("%s (at %s): %v", what, p.location(), err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	return run(p, "evaluate "+shorten(js), chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// location is the page's URL ("" when it cannot be read).
func (p *page) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// path is the page's URL without the site's origin.
func (p *page) path() string { return strings.TrimPrefix(p.location(), p.site.URL) }

// open loads a path of the site, waits for its body and checks it with
// axe-core. It returns the HTTP status of the document.
func (p *page) open(path string) int64 {
	p.t.Helper()
	resp := run(p, "open "+path, chromedp.NavigateResponse(p.site.URL+path))
	p.do("wait for the page", chromedp.WaitReady(chromedp.CSS("body")))
	p.axe()
	if resp == nil {
		return 0
	}
	return resp.Status
}

// follow runs actions that navigate (a click on a link, a submit button),
// waits until the new page has loaded and checks it with axe-core. It
// returns the HTTP status of the document.
func (p *page) follow(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	p.t.Helper()
	resp, err := chromedp.RunResponse(p.ctx, actions...)
	if err != nil {
		p.t.Fatalf("%s (at %s): %v", what, p.location(), err)
	}
	p.do("wait for the page", chromedp.WaitReady(chromedp.CSS("body")))
	p.axe()
	if resp == nil {
		return 0
	}
	return resp.Status
}

// click follows a link or presses a button that leads to another page.
func (p *page) click(sel string) int64 {
	p.t.Helper()
	return p.follow("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// text is the visible text of the first element sel matches, once visible.
func (p *page) text(sel string) string {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return run(p, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// bodyText is the text of the whole page.
func (p *page) bodyText() string {
	p.t.Helper()
	return eval[string](p, `document.body.innerText`)
}

// exists reports whether sel matches an element now.
func (p *page) exists(sel string) bool {
	p.t.Helper()
	return eval[bool](p, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// setOffline cuts the tab's network (requests fail, navigator.onLine is
// false and the page gets an "offline" event) or gives it back.
func (p *page) setOffline(offline bool) {
	p.t.Helper()
	p.do("set the network offline="+fmt.Sprint(offline), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		cond := &network.Conditions{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{cond},
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
		})
		return err
	}))
}

// setLanguage makes the browser ask for lang first (Accept-Language and
// navigator.language), as a browser set to that language does.
func (p *page) setLanguage(lang string) {
	p.t.Helper()
	p.do("set the browser language", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) gendertrack-browsertest", AcceptLanguage: lang,
		})
		return err
	}))
}

// Viewports of the screenshots and of the layout checks.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	desktop = viewport{"desktop", 1280, 800, false}
	phone   = viewport{"phone", 390, 844, true}
)

// setViewport sizes the page as on the given screen.
func (p *page) setViewport(v viewport) {
	p.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if v.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.do("set the viewport to "+v.name, chromedp.EmulateViewport(v.width, v.height, opts...))
	p.vp = v
}

// horizontalOverflow reports the elements wider than the viewport, which
// make a phone user scroll sideways.
func (p *page) horizontalOverflow() []string {
	p.t.Helper()
	return eval[[]string](p, `(() => {
		const w = document.documentElement.clientWidth, out = [];
		if (document.documentElement.scrollWidth > w + 1) {
			for (const el of document.body.querySelectorAll('*')) {
				const r = el.getBoundingClientRect();
				if (r.right > w + 1 && getComputedStyle(el).position !== 'fixed') {
					out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' right=' + Math.round(r.right));
				}
				if (out.length >= 5) break;
			}
			if (out.length === 0) out.push('document scrollWidth ' + document.documentElement.scrollWidth + ' > ' + w);
		}
		return out;
	})()`)
}

// screenshotDir is where screenshots go: docs/screenshots when
// GENDERTRACK_SCREENSHOTS=1, the directory it names otherwise, none when
// it is unset.
func screenshotDir() string {
	v := os.Getenv("GENDERTRACK_SCREENSHOTS")
	switch v {
	case "", "0":
		return ""
	case "1":
		return filepath.Join("..", "..", "docs", "screenshots")
	}
	return v
}

// screenshot saves a PNG of the page as name.png when screenshots are
// asked for: the whole page, or its first three screens when it is longer.
// The screen is made as tall as the picture while it is taken, so that a
// bar stuck to the bottom of the screen is drawn at the bottom of the
// picture, not across the page.
func (p *page) screenshot(name string) {
	p.t.Helper()
	dir := screenshotDir()
	if dir == "" {
		return
	}
	v := p.vp
	tall := v
	tall.height = min(int64(eval[float64](p, `document.documentElement.scrollHeight`)), 3*v.height)
	p.setViewport(tall)
	p.do("wait for the layout", chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`document.documentElement.clientHeight === %d`, tall.height)))
	png := run(p, "screenshot "+name, chromedp.CaptureScreenshot())
	p.setViewport(v)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// The vendored axe-core, checked against the sha256 VERSIONS records.
var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

func loadAxe() (string, error) {
	axeOnce.Do(func() {
		src, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
		if err != nil {
			axeErr = err
			return
		}
		versions, err := os.ReadFile(filepath.Join("testdata", "axe", "VERSIONS"))
		if err != nil {
			axeErr = err
			return
		}
		var want string
		for _, line := range strings.Split(string(versions), "\n") {
			if rest, ok := strings.CutPrefix(line, "axe.min.js sha256-"); ok {
				want = strings.TrimSpace(rest)
			}
		}
		sum := sha256.Sum256(src)
		if got := hex.EncodeToString(sum[:]); want == "" || got != want {
			axeErr = fmt.Errorf("testdata/axe/axe.min.js has sha256 %s, VERSIONS says %q: run scripts/update-axe.sh", got, want)
			return
		}
		axeSource = string(src)
	})
	return axeSource, axeErr
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// injectAxe puts axe-core into the page through the DevTools protocol
// (Runtime.evaluate), which the page's Content-Security-Policy does not
// govern, unless it is there already.
func (p *page) injectAxe() {
	p.t.Helper()
	src, err := loadAxe()
	if err != nil {
		p.t.Fatal(err)
	}
	if !eval[bool](p, `typeof window.axe === 'object'`) {
		p.do("inject axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
}

// axeCheck runs axe-core on the page as it is now and returns what it found.
func (p *page) axeCheck() []axeViolation {
	p.t.Helper()
	p.injectAxe()
	return eval[[]axeViolation](p, `axe.run(document, {resultTypes: ['violations']}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`)
}

// axe checks the page with axe-core, once per URL: any serious or critical
// violation fails the test; lesser ones are logged.
func (p *page) axe() {
	p.t.Helper()
	loc := p.location()
	if p.axeDone[loc] {
		return
	}
	p.axeDone[loc] = true
	for _, v := range p.axeCheck() {
		msg := fmt.Sprintf("axe-core %s (%s) on %s: %s at %s", v.ID, v.Impact, strings.TrimPrefix(loc, p.site.URL), v.Help, strings.Join(v.Nodes, ", "))
		why, ok := p.axeKnown[v.ID+"@"+strings.Join(v.Nodes, ", ")]
		if !ok {
			why, ok = p.axeKnown[v.ID]
		}
		if ok {
			p.t.Logf("%s (known: %s)", msg, why)
		} else if v.Impact == "serious" || v.Impact == "critical" {
			p.t.Error(msg)
		} else {
			p.t.Log(msg)
		}
	}
}

func chromedpNavigateResponse(url string) chromedp.Action[int64] {
	return func(ctx context.Context, t *chromedp.Target) (int64, error) {
		resp, err := chromedp.NavigateResponse(url)(ctx, t)
		if err != nil || resp == nil {
			return 0, err
		}
		return resp.Status, nil
	}
}

func chromedpWaitVisible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

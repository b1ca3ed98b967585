package browsertest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gendertrack/gendertrack/internal/app"
)

const sessionCookie = "gt_session"

// cookie returns the value of the page's cookie name ("" when it has none).
// The session cookie is HttpOnly: only the DevTools protocol reads it.
func cookie(p *page, name string) string {
	p.t.Helper()
	res := run(p, "read the cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{p.site.URL + "/"}})
	})
	for _, c := range res.Cookies {
		if c.Name == name {
			if !c.HTTPOnly {
				p.t.Errorf("cookie %s is not HttpOnly", name)
			}
			return c.Value
		}
	}
	return ""
}

// landsOnSignIn checks that the page is the sign-in page, with the notice
// that the session ended when expired is set, and returns its "next".
func landsOnSignIn(t *testing.T, p *page, expired bool) string {
	t.Helper()
	u, err := url.Parse(p.location())
	if err != nil || u.Path != "/signin" {
		t.Fatalf("at %s, want the sign-in page", p.location())
	}
	p.do("wait for the sign-in form", chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	if got := p.exists("#session-ended"); got != expired {
		t.Errorf("sign-in page at %s: notice that the session ended shown=%v, want %v", p.path(), got, expired)
	}
	return u.Query().Get("next")
}

// TestSessions: signing out ends the session, and a page opened with a
// revoked or an expired session lands on the sign-in page, which says so
// and leads back to the page asked for.
func TestSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *site) {
		p := newPage(t, s)
		startIn(p, english)
		signIn(p, committee)
		overview := draftLink(p)
		token := cookie(p, sessionCookie)
		if token == "" {
			t.Fatal("no session cookie after signing in")
		}

		// Sign out: the cookie goes, and the pages ask to sign in.
		signOut(p)
		if c := cookie(p, sessionCookie); c != "" {
			t.Error("the session cookie outlives signing out")
		}
		p.open(overview)
		if next := landsOnSignIn(t, p, false); next != overview {
			t.Errorf("sign-in page leads to %q, want %q", next, overview)
		}

		// The signed-out token, replayed by another browser: revoked.
		r := newPage(t, s)
		r.do("set the old session cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
				Name: sessionCookie, Value: token, URL: s.URL + "/", HTTPOnly: new(true), SameSite: network.CookieSameSiteLax})
			return err
		}))
		r.open(overview)
		landsOnSignIn(t, r, true)
		if c := cookie(r, sessionCookie); c != "" {
			t.Error("the revoked session cookie was not cleared")
		}

		// A session that expires while the user works: the next page
		// asks to sign in again and then comes back.
		e := newPage(t, s)
		startIn(e, english)
		signIn(e, committee)
		e.open(overview)
		s.Clock.Advance(app.Defaults().TokenTTL + time.Minute)
		e.open(overview + "/findings")
		if next := landsOnSignIn(t, e, true); next != overview+"/findings" {
			t.Errorf("sign-in page leads to %q, want %q", next, overview+"/findings")
		}
		signInHere(e, committee)
		if got := e.path(); got != overview+"/findings" {
			t.Errorf("after signing in again at %s, want %s", got, overview+"/findings")
		}
	})
}

// signInHere fills the sign-in form on the page as it is (keeping its
// "next") and waits for the page it leads to.
func signInHere(p *page, email string) {
	p.t.Helper()
	p.do("fill the sign-in form",
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	p.click("#signin-submit")
	if strings.HasPrefix(p.path(), "/signin") {
		p.t.Fatalf("still on the sign-in page: %s", p.text("main"))
	}
}

package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Cookie names: the sign-in token, and the language chosen before sign-in.
const (
	SessionCookie  = "gt_session"
	LanguageCookie = "gt_lang"
)

type viewerKey struct{}

// viewer is the signed-in user of a request, nil on the sign-in page.
func viewer(ctx context.Context) *store.User {
	u, _ := ctx.Value(viewerKey{}).(*store.User)
	return u
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// withLanguage puts the language chosen by cookie (before sign-in) in the
// context; without one, i18n.Lang falls back on Accept-Language.
func (h *Handler) withLanguage(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(LanguageCookie); err == nil && i18n.Supported(c.Value) != "" {
			r = r.WithContext(i18n.WithChosen(r.Context(), c.Value))
		}
		next(w, r)
	}
}

// signedIn authenticates the session cookie exactly as the API does a
// Bearer token (account.Service.Authenticate, then auth.WithActor), and
// sends a request without a valid session to the sign-in page, clearing
// the cookie of an expired, revoked or unknown one. The user's stored
// language wins over the cookie's, which wins over Accept-Language.
func (h *Handler) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return h.withLanguage(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			h.toSignIn(w, r, "")
			return
		}
		ctx := r.Context()
		actor, err := h.d.Accounts.Authenticate(ctx, c.Value)
		if errors.Is(err, account.ErrBadCredential) || (err == nil && actor.UserID == 0) {
			setCookie(w, r, SessionCookie, "", -1)
			h.toSignIn(w, r, "expired")
			return
		}
		if err != nil {
			h.internal(w, r, err)
			return
		}
		ctx = auth.WithActor(ctx, actor)
		u, err := h.d.Accounts.Viewer(ctx)
		if err != nil || u == nil {
			h.internal(w, r, err)
			return
		}
		if u.Language != nil {
			ctx = i18n.WithChosen(ctx, *u.Language)
		}
		next(w, r.WithContext(context.WithValue(ctx, viewerKey{}, u)))
	})
}

// toSignIn sends the browser to the sign-in page, back to where it was
// going afterwards (GET pages only).
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request, why string) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if why != "" {
		q.Set("why", why)
	}
	target := "/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns p when it is a path of this site, else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

type signinData struct {
	Email, Next, Why string
	Errors           []string
}

func (h *Handler) signinPage(w http.ResponseWriter, r *http.Request) {
	h.withLanguage(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		h.render(w, r, http.StatusOK, "signin", "web.signin.title", signinData{Next: localPath(q.Get("next")), Why: q.Get("why")})
	})(w, r)
}

// signin checks the email and password with account.Service.Login (which
// throttles failures by the client address reqinfo carries, as the
// GraphQL login does) and sets the session cookie.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	h.withLanguage(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
			return
		}
		email, next := r.PostForm.Get("email"), localPath(r.PostForm.Get("next"))
		token, sess, user, err := h.d.Accounts.Login(r.Context(), email, r.PostForm.Get("password"))
		if err != nil {
			u, ok := errs.AsUser(err)
			if !ok {
				h.internal(w, r, err)
				return
			}
			lang := i18n.Lang(r.Context())
			d := signinData{Email: email, Next: next}
			for _, e := range u {
				// The service's messages become catalog IDs (errs.UserError);
				// until then the two it answers here are told apart by text.
				switch {
				case i18n.Has(lang, e.Message):
					d.Errors = append(d.Errors, e.Text(lang))
				case strings.HasPrefix(e.Message, "Too many"):
					d.Errors = append(d.Errors, i18n.T(lang, "web.signin.throttled"))
				default:
					d.Errors = append(d.Errors, i18n.T(lang, "web.signin.wrong"))
				}
			}
			h.render(w, r, http.StatusUnprocessableEntity, "signin", "web.signin.title", d)
			return
		}
		setCookie(w, r, SessionCookie, token, int(sess.ExpiresAt.Sub(h.d.Now()).Seconds()))
		// A language chosen before sign-in becomes the user's when it has
		// none yet.
		if c, err := r.Cookie(LanguageCookie); err == nil && user.Language == nil && i18n.Supported(c.Value) != "" {
			ctx := auth.WithActor(r.Context(), &auth.Actor{UserID: user.ID, Email: user.Email, Name: user.Name})
			if err := h.d.Accounts.SetLanguage(ctx, c.Value); err != nil {
				h.d.Log.WarnContext(ctx, "web: language not kept at sign-in", "err", err)
			}
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})(w, r)
}

// signout revokes the session (account.Service.Logout) and clears the cookie.
func (h *Handler) signout(w http.ResponseWriter, r *http.Request) {
	if err := h.d.Accounts.Logout(r.Context()); err != nil {
		h.internal(w, r, err)
		return
	}
	setCookie(w, r, SessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// language remembers a language: in a cookie always, and on the user when
// one is signed in. It returns to the page it was chosen on.
func (h *Handler) language(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
		return
	}
	lang := i18n.Supported(r.PostForm.Get("lang"))
	back := localPath(r.PostForm.Get("back"))
	if lang == "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	setCookie(w, r, LanguageCookie, lang, 365*24*3600)
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if actor, err := h.d.Accounts.Authenticate(r.Context(), c.Value); err == nil && actor.UserID > 0 {
			if err := h.d.Accounts.SetLanguage(auth.WithActor(r.Context(), actor), lang); err != nil {
				h.internal(w, r, err)
				return
			}
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

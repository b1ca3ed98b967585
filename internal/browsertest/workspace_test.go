package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/store"
)

// The page texts the flows look for (internal/i18n/locales, web.*).
type texts struct {
	lang                          string
	signinHeading, saved, offline string
	awaitingOne                   string
	statusSubmitted               string
	statusValidated               string
	// completion matches web.completion: "{{.Answered}} … {{.Total}}".
	completion *regexp.Regexp
	// date matches a date as the pages write it.
	date *regexp.Regexp
}

var (
	english = texts{
		lang: "en", signinHeading: "Sign in", saved: "Your answers are saved.",
		offline:         "No connection. Your answers are kept on this device and will be sent when the connection returns.",
		awaitingOne:     "1 assessment awaits validation",
		statusSubmitted: "Submitted", statusValidated: "Validated",
		completion: regexp.MustCompile(`(\d+)\D+(\d+)`),
		date:       regexp.MustCompile(`\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b`),
	}
	french = texts{
		lang: "fr", signinHeading: "Se connecter", saved: "Vos réponses sont enregistrées.",
		offline:         "Pas de connexion. Vos réponses sont conservées sur cet appareil et seront envoyées dès le retour de la connexion.",
		awaitingOne:     "1 évaluation attend votre validation",
		statusSubmitted: "Soumise", statusValidated: "Validée",
		completion: regexp.MustCompile(`(\d+)\D+(\d+)`),
		date:       regexp.MustCompile(`\b\d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}\b`),
	}
)

// signIn signs in on the sign-in page and lands on the home page.
func signIn(p *page, email string) {
	p.t.Helper()
	if !strings.HasPrefix(p.path(), "/signin") {
		p.open("/signin")
	}
	p.do("fill the sign-in form",
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	p.click("#signin-submit")
	// The user's name is hidden on a phone; the sign-out button is not.
	p.do("wait for the signed-in page", chromedp.WaitVisible(chromedp.CSS("#signout")))
}

// signOut signs out and lands on the sign-in page.
func signOut(p *page) {
	p.t.Helper()
	p.click("#signout")
	p.do("wait for the sign-in page", chromedp.WaitVisible(chromedp.CSS("#signin-form")))
}

// chooseLanguage picks a language in the header's switch, as a user does:
// each language is a button of one small form.
func chooseLanguage(p *page, lang string) {
	p.t.Helper()
	p.click("#lang-" + lang)
	if got := eval[string](p, `document.documentElement.lang`); got != lang {
		p.t.Fatalf("after choosing %s the page is in %q", lang, got)
	}
}

// draftLink is the path of the first draft assessment the home page offers.
func draftLink(p *page) string {
	p.t.Helper()
	href := eval[string](p, `(() => { const a = document.querySelector('[data-institution] a[data-assessment]:not(.awaiting)'); return a ? a.getAttribute('href') : ''; })()`)
	if href == "" {
		p.t.Fatalf("the home page offers no draft assessment:\n%s", p.bodyText())
	}
	return href
}

// completion reads "N of M" from the element sel.
func completion(p *page, tx texts, sel string) (answered, total int) {
	p.t.Helper()
	txt := p.text(sel)
	m := tx.completion.FindStringSubmatch(txt)
	if m == nil {
		p.t.Fatalf("%s: %q does not give a completion", sel, txt)
	}
	fmt.Sscan(m[1], &answered)
	fmt.Sscan(m[2], &total)
	return answered, total
}

// question is one question of an area form, as the page shows it.
type question struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Answered bool   `json:"answered"`
	NA       bool   `json:"na"`
}

// questions lists the questions of the area form on the page.
func questions(p *page) []question {
	p.t.Helper()
	return eval[[]question](p, `[...document.querySelectorAll('#area-form section.question')].map(s => {
		const k = s.dataset.question;
		const checked = s.querySelector('.choices input:checked');
		const v = s.querySelector('#v-' + CSS.escape(k));
		const na = s.querySelector('#na-' + CSS.escape(k));
		return {key: k, kind: s.dataset.kind, na: !!(na && na.checked),
			answered: !!checked || !!(v && v.value.trim() !== '') || !!(na && na.checked)};
	})`)
}

// answer gives question q an answer by its kind, as a user would: the
// first choice, a number, or a text.
func answer(p *page, q question, text string) {
	p.t.Helper()
	sel := "#v-" + q.Key
	switch {
	case p.exists("#v-" + q.Key + "-0"):
		p.do("answer "+q.Key, chromedp.Click(chromedp.CSS("#v-"+q.Key+"-0"), chromedp.NodeVisible))
	case q.Kind == "TEXT":
		typeInto(p, sel, text)
	default:
		typeInto(p, sel, "40")
	}
}

// typeInto empties a field and types text into it, key by key.
func typeInto(p *page, sel, text string) {
	p.t.Helper()
	p.do("type into "+sel,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ''`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text))
}

// openDetails opens the "comment and evidence" part of question q.
func openDetails(p *page, key string) {
	p.t.Helper()
	if !eval[bool](p, fmt.Sprintf(`document.querySelector('#q-%s details.more').open`, key)) {
		p.do("open the comment of "+key, chromedp.Click(chromedp.CSS("#q-"+key+" details.more > summary"), chromedp.NodeVisible))
	}
}

// comment types a comment on question key.
func comment(p *page, key, text string) {
	p.t.Helper()
	openDetails(p, key)
	typeInto(p, "#c-"+key, text)
}

// notApplicable ticks "not applicable" on question key.
func notApplicable(p *page, key string) {
	p.t.Helper()
	if !eval[bool](p, fmt.Sprintf(`document.getElementById('na-%s').checked`, key)) {
		p.do("mark "+key+" not applicable", chromedp.Click(chromedp.CSS("#na-"+key), chromedp.NodeVisible))
	}
}

// waitStatus waits until the save status line says want.
func waitStatus(p *page, want string) {
	p.t.Helper()
	p.do("wait for the save status "+want, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`document.getElementById('save-status').textContent === %q`, want)))
}

// save presses Save on an area form (app.js sends it with fetch) and waits
// until the page says the answers are saved.
func save(p *page, tx texts) {
	p.t.Helper()
	p.do("save", chromedp.Click(chromedp.CSS("#save"), chromedp.NodeVisible))
	waitStatus(p, tx.saved)
}

// areaKeys lists the areas of the assessment overview on the page.
func areaKeys(p *page) []string {
	p.t.Helper()
	return eval[[]string](p, `[...document.querySelectorAll('ol.areas li[data-area]')].map(li => li.dataset.area)`)
}

// missing lists the links of the required questions the overview says
// are unanswered.
func missing(p *page) []string {
	p.t.Helper()
	return eval[[]string](p, `[...document.querySelectorAll('#required-missing a')].map(a => a.getAttribute('href'))`)
}

// assessmentID is the database ID of the assessment whose page this is.
func assessmentID(t testing.TB, path string) int64 {
	t.Helper()
	m := regexp.MustCompile(`^/assessments/([^/?#]+)`).FindStringSubmatch(path)
	if m == nil {
		t.Fatalf("%s is not an assessment's page", path)
	}
	kind, id, ok := gid.Decode(m[1])
	if !ok || kind != gid.Assessment {
		t.Fatalf("%s is not an assessment's ID", m[1])
	}
	return id
}

// storedResponse reads what the server stored for a question.
func storedResponse(t testing.TB, s *site, assessment int64, key string) *store.Response {
	t.Helper()
	var rs []store.Response
	if err := s.Server.DB.NewSelect().Model(&rs).Where("assessment_id = ? AND question_key = ?", assessment, key).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		return nil
	}
	return &rs[0]
}

// saves counts the saveResponses audit events of an assessment: one per
// save the server applied.
func saves(t testing.TB, s *site, assessment int64) int {
	t.Helper()
	n, err := s.Server.DB.NewSelect().Model((*store.AuditEvent)(nil)).
		Where("operation = ? AND subject_id = ?", "saveResponses", gid.Encode(gid.Assessment, assessment)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

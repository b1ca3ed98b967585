package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAssessmentFlow is the whole life of an assessment in the workspace,
// in English: the committee fills two areas (answer controls, a comment,
// "not applicable"), saves, sees completion move and submits; leadership
// sees it waiting, validates it, and reads the findings and the
// comparison chart.
func TestAssessmentFlow(t *testing.T) {
	eachDB(t, func(t *testing.T, s *site) { assessmentFlow(t, s, english) })
}

// TestAssessmentFlowFrench is the same flow with French chosen in the
// language switch of a browser set to English: the French texts and dates
// appear.
func TestAssessmentFlowFrench(t *testing.T) {
	eachDB(t, func(t *testing.T, s *site) { assessmentFlow(t, s, french) })
}

// startIn opens the sign-in page of a browser set to English and, for
// French, picks French in the language switch.
func startIn(p *page, tx texts) {
	p.t.Helper()
	p.setLanguage("en-GB,en;q=0.9")
	p.open("/signin")
	if tx.lang != "en" {
		chooseLanguage(p, tx.lang)
	}
	if h := p.text("h1"); h != tx.signinHeading {
		p.t.Errorf("sign-in heading %q, want %q", h, tx.signinHeading)
	}
}

// fillArea gives the area on the page its first unanswered question an
// answer and a comment, and when notApp is set marks its next unanswered
// question not applicable; it saves, and returns the keys it answered and
// marked.
func fillArea(t *testing.T, p *page, tx texts, notApp bool) (answered, na string) {
	t.Helper()
	var open []question
	for _, q := range questions(p) {
		if !q.Answered {
			open = append(open, q)
		}
	}
	if len(open) == 0 || (notApp && len(open) < 2) {
		t.Fatalf("%s has too few unanswered questions (%d)", p.path(), len(open))
	}
	answer(p, open[0], "Answered in the browser test.")
	comment(p, open[0].Key, "Checked at the station on "+tx.lang+".")
	answered = open[0].Key
	if notApp {
		notApplicable(p, open[1].Key)
		na = open[1].Key
	}
	save(p, tx)
	return answered, na
}

func assessmentFlow(t *testing.T, s *site, tx texts) {
	c := newPage(t, s)
	startIn(c, tx)
	signIn(c, committee)
	if lang := eval[string](c, `document.documentElement.lang`); lang != tx.lang {
		t.Fatalf("home page in %q, want %q", lang, tx.lang)
	}

	overview := draftLink(c)
	id := assessmentID(t, overview)
	c.open(overview)
	if meta := c.text(".meta"); !tx.date.MatchString(meta) {
		t.Errorf("the assessment's dates are not written as %s dates: %q", tx.lang, meta)
	}
	before, total := completion(c, tx, "#overall-completion")

	// Two areas with unanswered questions: the first gets an answer and a
	// comment, the second an answer and a "not applicable".
	var filled []string
	for _, area := range areaKeys(c) {
		if len(filled) == 2 {
			break
		}
		c.open(overview + "/areas/" + area)
		open := 0
		for _, q := range questions(c) {
			if !q.Answered {
				open++
			}
		}
		if open < 2 {
			continue
		}
		areaBefore, _ := completion(c, tx, "#area-completion")
		key, na := fillArea(t, c, tx, len(filled) == 1)
		filled = append(filled, area)

		// What the server stored, seen on the page and in the database.
		c.open(overview + "/areas/" + area)
		if got, _ := completion(c, tx, "#area-completion"); got <= areaBefore {
			t.Errorf("area %s: completion %d after saving, %d before", area, got, areaBefore)
		}
		r := storedResponse(t, s, id, key)
		if r == nil || r.Comment == nil || !strings.Contains(*r.Comment, "Checked at the station") {
			t.Errorf("area %s: question %s not stored with its comment: %+v", area, key, r)
		}
		if v := eval[string](c, fmt.Sprintf(`document.getElementById('c-%s').value`, key)); !strings.Contains(v, "Checked at the station") {
			t.Errorf("area %s: the comment of %s is not shown after reload: %q", area, key, v)
		}
		if na != "" {
			if r := storedResponse(t, s, id, na); r == nil || !r.NotApplicable {
				t.Errorf("area %s: question %s not stored as not applicable: %+v", area, na, r)
			}
			if !eval[bool](c, fmt.Sprintf(`document.getElementById('na-%s').checked`, na)) {
				t.Errorf("area %s: %s is not shown as not applicable after reload", area, na)
			}
		}
	}
	if len(filled) < 2 {
		t.Fatalf("found %d areas with two unanswered questions, want 2", len(filled))
	}
	c.open(overview)
	after, total2 := completion(c, tx, "#overall-completion")
	if after <= before || total2 != total {
		t.Errorf("overall completion %d of %d after filling two areas, %d of %d before", after, total2, before, total)
	}

	// The required questions still unanswered, then submit.
	for _, link := range missing(c) {
		path, key, _ := strings.Cut(link, "#q-")
		c.open(path)
		for _, q := range questions(c) {
			if q.Key == key {
				answer(c, q, "Answered to submit.")
			}
		}
		save(c, tx)
	}
	c.open(overview)
	if m := missing(c); len(m) > 0 {
		t.Fatalf("required questions still missing after answering them: %v", m)
	}
	c.click("#submit-button")
	c.do("wait for the notice", chromedp.WaitVisible(chromedp.CSS("#done-notice")))
	if st := c.text("#assessment-status"); st != tx.statusSubmitted {
		t.Errorf("status after submitting %q, want %q", st, tx.statusSubmitted)
	}

	// Leadership validates.
	l := newPage(t, s)
	startIn(l, tx)
	signIn(l, leadership)
	if got := l.text("#awaiting-count"); got != tx.awaitingOne {
		t.Errorf("leadership's home says %q, want %q", got, tx.awaitingOne)
	}
	l.click(fmt.Sprintf(`a.awaiting[href="%s"]`, overview))
	l.click("#validate-button")
	l.do("wait for the notice", chromedp.WaitVisible(chromedp.CSS("#done-notice")))
	if st := l.text("#assessment-status"); st != tx.statusValidated {
		t.Errorf("status after validating %q, want %q", st, tx.statusValidated)
	}
	var status string
	if err := s.Server.DB.NewRaw("SELECT status FROM assessments WHERE id = ?", id).Scan(l.ctx, &status); err != nil || status != "VALIDATED" {
		t.Errorf("stored status %q (%v), want VALIDATED", status, err)
	}

	l.click("#tab-findings")
	if n := eval[int](l, `document.querySelectorAll('li.finding').length`); n == 0 {
		t.Errorf("the findings page of the validated assessment lists no finding:\n%s", l.bodyText())
	}
	l.click("#tab-comparison")
	chart := eval[struct {
		Inline bool `json:"inline"`
		Bars   int  `json:"bars"`
		Title  string
	}](l, `(() => { const s = document.getElementById('comparison-chart');
		return {inline: s instanceof SVGSVGElement, bars: s ? s.querySelectorAll('rect').length : 0,
			Title: s && s.querySelector('title') ? s.querySelector('title').textContent : ''}; })()`)
	if !chart.Inline || chart.Bars < 2 {
		t.Errorf("the comparison page has no inline SVG chart with bars: %+v", chart)
	}
	if !eval[bool](l, `(() => { const r = document.querySelector('#comparison-chart').getBoundingClientRect(); return r.width > 0 && r.height > 0; })()`) {
		t.Error("the comparison chart is not drawn (zero size)")
	}
}

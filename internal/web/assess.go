package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// loaded is an assessment with what every assessment page shows: its
// questionnaire, its institution and its results (completion and scores,
// which every role may read).
type loaded struct {
	A       *store.Assessment
	Q       *assessment.Questionnaire
	Inst    *store.Institution
	Results *assessment.Results
}

// load reads the assessment of the path; nil when it does not exist or the
// caller may not read it.
func (h *Handler) load(r *http.Request) (*loaded, error) {
	ctx := r.Context()
	id, ok := idOf(r, "id", gid.Assessment)
	if !ok {
		return nil, nil
	}
	as, err := h.d.Assessments.AssessmentsByID(ctx, []int64{id})
	if err != nil || as[id] == nil {
		return nil, err
	}
	a := as[id]
	qs, err := h.d.Assessments.QuestionnairesByID(ctx, []int64{a.QuestionnaireID})
	if err != nil || qs[a.QuestionnaireID] == nil {
		return nil, err
	}
	insts, err := h.d.Orgs.InstitutionsByID(ctx, []int64{a.InstitutionID})
	if err != nil || insts[a.InstitutionID] == nil {
		return nil, err
	}
	res, err := h.d.Assessments.ResultsOf(ctx, []int64{id})
	if err != nil || res[id] == nil {
		return nil, err
	}
	return &loaded{A: a, Q: qs[a.QuestionnaireID], Inst: insts[a.InstitutionID], Results: res[id]}, nil
}

// loadOr404 is load, answering the page itself when there is nothing to
// show.
func (h *Handler) loadOr404(w http.ResponseWriter, r *http.Request) *loaded {
	l, err := h.load(r)
	if err != nil {
		h.internal(w, r, err)
		return nil
	}
	if l == nil {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
	}
	return l
}

// header is the part of every assessment page above its content.
type header struct {
	ID, Title, Status          string
	InstitutionID, Institution string
	Questionnaire              string
	QuestionnaireVersion       int
	StartDate                  string
	EndDate                    *string
	Version                    int
}

func (h *Handler) header(r *http.Request, l *loaded) header {
	return header{ID: gid.Encode(gid.Assessment, l.A.ID), Title: l.A.Title, Status: l.A.Status,
		InstitutionID: gid.Encode(gid.Institution, l.Inst.ID), Institution: l.Inst.Name,
		Questionnaire: l.Q.In(r.Context(), l.Q.Title), QuestionnaireVersion: l.Q.Version,
		StartDate: l.A.StartDate, EndDate: l.A.EndDate, Version: l.A.Version}
}

// ---------------------------------------------------------------- overview

type areaRow struct {
	Key, Title      string
	Answered, Total int
	Percent         *float64
}

type missingQuestion struct {
	Key, Text, AreaKey string
}

type assessmentData struct {
	H                      header
	Answered, Total        int
	Overall                *float64
	Areas                  []areaRow
	Missing                []missingQuestion
	CanSubmit, CanValidate bool
	Errors                 []string
	Reason                 string
	Done                   string
}

func (h *Handler) assessment(w http.ResponseWriter, r *http.Request) {
	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	h.assessmentPage(w, r, l, http.StatusOK, nil, "")
}

func (h *Handler) assessmentPage(w http.ResponseWriter, r *http.Request, l *loaded, status int, problems []string, reason string) {
	ctx := r.Context()
	c := l.Results.Completion(l.Q)
	sc := l.Results.Scores(l.Q)
	d := assessmentData{H: h.header(r, l), Answered: c.Answered, Total: c.Total, Overall: sc.Overall.Percent,
		CanSubmit:   l.A.Status == assessment.Draft && h.d.Guard.Can(ctx, l.A.InstitutionID, authz.EditAssessment),
		CanValidate: l.A.Status == assessment.Submitted && h.d.Guard.Can(ctx, l.A.InstitutionID, authz.ValidateAssessment),
		Errors:      problems, Reason: reason, Done: r.URL.Query().Get("done")}
	for _, as := range sc.Areas {
		a := l.Q.AreaByKey(as.AreaKey)
		d.Areas = append(d.Areas, areaRow{Key: as.AreaKey, Title: l.Q.In(ctx, a.Title), Answered: as.Answered, Total: as.Total, Percent: as.Score.Percent})
	}
	for _, k := range c.RequiredMissing {
		if qu := l.Q.QuestionByKey(k); qu != nil {
			d.Missing = append(d.Missing, missingQuestion{Key: k, Text: l.Q.In(ctx, qu.Text), AreaKey: qu.AreaDef.Key})
		}
	}
	h.render(w, r, status, "assessment", "web.assessment.title", d, "Title", l.A.Title)
}

// transition runs submit, validate or reopen. The form carries the version
// it read: a changed assessment answers CONFLICT and changes nothing.
func (h *Handler) transition(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
			return
		}
		l := h.loadOr404(w, r)
		if l == nil {
			return
		}
		ctx := r.Context()
		lang := i18n.Lang(ctx)
		reason := r.PostForm.Get("reason")
		if v, err := strconv.Atoi(r.PostForm.Get("version")); err != nil || v != l.A.Version {
			h.assessmentPage(w, r, l, http.StatusConflict, []string{i18n.T(lang, "web.assessment.conflict")}, reason)
			return
		}
		fn := map[string]func(*store.Assessment, *string) (*store.Assessment, error){
			"submit": func(a *store.Assessment, s *string) (*store.Assessment, error) {
				return h.d.Assessments.Submit(ctx, a.ID, s)
			},
			"validate": func(a *store.Assessment, s *string) (*store.Assessment, error) {
				return h.d.Assessments.Validate(ctx, a.ID, s)
			},
			"reopen": func(a *store.Assessment, s *string) (*store.Assessment, error) {
				return h.d.Assessments.Reopen(ctx, a.ID, s)
			},
		}[op]
		var rp *string
		if reason != "" {
			rp = &reason
		}
		if _, err := fn(l.A, rp); err != nil {
			u, ok := errs.AsUser(err)
			if !ok {
				h.refused(w, r, err)
				return
			}
			var msgs []string
			for _, e := range u {
				switch {
				case op == "reopen" && fieldIs(e.Field, "reason") && e.Code == errs.Invalid && e.Message == "error.assessment.reopenReason":
					msgs = append(msgs, i18n.T(lang, "web.assessment.reasonRequired"))
				case op == "submit" && e.Code == errs.InvalidState && len(l.Results.Completion(l.Q).RequiredMissing) > 0:
					msgs = append(msgs, i18n.T(lang, "web.assessment.missingRequired"))
				default:
					msgs = append(msgs, e.Text(lang))
				}
			}
			h.assessmentPage(w, r, l, http.StatusUnprocessableEntity, msgs, reason)
			return
		}
		http.Redirect(w, r, "/assessments/"+gid.Encode(gid.Assessment, l.A.ID)+"?done="+op, http.StatusSeeOther)
	}
}

// ---------------------------------------------------------------- findings

type findingRow struct {
	Title, Severity, Category, Origin string
	Detail                            *string
}

type findingArea struct {
	Title    string
	Findings []findingRow
}

type findingsData struct {
	H     header
	Areas []findingArea
	Count int
}

var severityRank = map[string]int{"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}

func (h *Handler) findings(w http.ResponseWriter, r *http.Request) {
	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	ctx := r.Context()
	fs, err := h.d.Assessments.FindingsOf(ctx, []int64{l.A.ID})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	list := fs[l.A.ID]
	slices.SortStableFunc(list, func(a, b store.Finding) int { return cmp.Compare(severityRank[a.Severity], severityRank[b.Severity]) })
	d := findingsData{H: h.header(r, l), Count: len(list)}
	byArea := map[string][]findingRow{}
	for i := range list {
		f := &list[i]
		byArea[f.AreaKey] = append(byArea[f.AreaKey], findingRow{Title: assessment.FindingTitle(ctx, f), Severity: f.Severity,
			Category: f.Category, Origin: f.Origin, Detail: assessment.FindingDetail(ctx, l.Q, f)})
	}
	for _, a := range l.Q.AreaList() {
		if rows := byArea[a.Key]; len(rows) > 0 {
			d.Areas = append(d.Areas, findingArea{Title: l.Q.In(ctx, a.Title), Findings: rows})
			delete(byArea, a.Key)
		}
	}
	for key, rows := range byArea { // areas of findings the questionnaire no longer has
		d.Areas = append(d.Areas, findingArea{Title: key, Findings: rows})
	}
	h.render(w, r, http.StatusOK, "findings", "web.findings.title", d, "Title", l.A.Title)
}

// ---------------------------------------------------------------- comparison

type comparisonRow struct {
	Title                string
	Before, After, Delta *float64
	// Chart geometry (SVG user units): the row's top, its label's lines,
	// the tops of its two bars and their widths.
	Y               int
	Lines           []chartLine
	BeforeY, AfterY int
	BeforeW, AfterW int
}

// chartLine is a line of an area's label in the chart, at baseline Y.
type chartLine struct {
	Y    int
	Text string
}

type comparisonData struct {
	H           header
	Previous    *assessmentLink
	Rows        []comparisonRow
	ChartHeight int
	ChartWidth  int
	BarMaxWidth int
}

// Geometry of the comparison bar chart, in SVG user units. The chart is
// drawn about as wide as a phone's page (chartWidth) and is never shown
// much wider (app.css), so that its texts (chart-label, chart-value) stay
// near their size in units, 14 and 13 px, on a phone as on a desktop.
// Each area's label is above its bars, broken into lines of at most
// chartLabelChars characters.
const (
	chartWidth      = 360
	chartBarMax     = 296
	chartLineH      = 18 // between two lines of a label
	chartBar        = 14 // a bar's height
	chartGap        = 16 // between two areas
	chartLabelChars = 40
)

func barWidth(p *float64) int {
	if p == nil {
		return 0
	}
	return int(*p / 100 * chartBarMax)
}

// chartRow places an area's label and bars from top y; it returns the top
// of the next row.
func chartRow(row *comparisonRow, y int) int {
	row.Y = y
	for i, l := range wrapText(row.Title, chartLabelChars) {
		row.Lines = append(row.Lines, chartLine{Y: 14 + i*chartLineH, Text: l})
	}
	row.BeforeY = len(row.Lines)*chartLineH + 2
	row.AfterY = row.BeforeY + chartBar + 3
	row.BeforeW, row.AfterW = barWidth(row.Before), barWidth(row.After)
	return y + row.AfterY + chartBar + chartGap
}

// wrapText breaks s into lines of at most width characters at spaces (a
// longer word stays whole on its line).
func wrapText(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// comparison compares the assessment area by area with the previous
// validated assessment of the same institution and questionnaire
// (assessment.Compare), drawn as an SVG bar chart and given as a table.
func (h *Handler) comparison(w http.ResponseWriter, r *http.Request) {
	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	ctx := r.Context()
	validated := assessment.Validated
	as, _, _, err := h.d.Assessments.Assessments(ctx, l.A.InstitutionID, &validated, store.Page{First: listMax})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	qids := make([]int64, len(as))
	for i := range as {
		qids[i] = as[i].QuestionnaireID
	}
	qs, err := h.d.Assessments.QuestionnairesByID(ctx, qids)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	var prev *store.Assessment
	for i := range as {
		b := &as[i]
		if b.ID == l.A.ID || qs[b.QuestionnaireID] == nil || qs[b.QuestionnaireID].Key != l.Q.Key || b.ValidatedAt == nil {
			continue
		}
		if l.A.ValidatedAt != nil && !b.ValidatedAt.Before(*l.A.ValidatedAt) {
			continue // a later one is not "previous"
		}
		if prev == nil || b.ValidatedAt.After(*prev.ValidatedAt) {
			prev = b
		}
	}
	d := comparisonData{H: h.header(r, l), BarMaxWidth: chartBarMax, ChartWidth: chartWidth}
	if prev != nil {
		res, err := h.d.Assessments.ResultsOf(ctx, []int64{prev.ID})
		if err != nil {
			h.internal(w, r, err)
			return
		}
		link := linkOf(prev)
		d.Previous = &link
		y := 0
		for _, c := range assessment.Compare(l.Q, l.Results, qs[prev.QuestionnaireID], res[prev.ID]) {
			row := comparisonRow{Title: l.Q.In(ctx, c.Area.Title), Before: c.Before, After: c.After, Delta: c.Delta}
			y = chartRow(&row, y)
			d.Rows = append(d.Rows, row)
		}
		d.ChartHeight = max(y-chartGap, 0)
	}
	h.render(w, r, http.StatusOK, "comparison", "web.comparison.title", d, "Title", l.A.Title)
}

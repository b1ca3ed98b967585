package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/questionnaire"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Form field names of a question with key K: "v.K" its value (several for
// MULTIPLE_CHOICE), "na.K" not applicable, "c.K" the comment, "e.K" the
// evidence (one reference a line), "ver.K" the version of the response
// the form was read at (0: none).

// choice is one option of a question's control.
type choice struct {
	Value, Label string
	Checked      bool
}

// questionView is one question of the area page, with the answer shown:
// the stored one, or the one the user sent when the save was refused.
type questionView struct {
	Key, Kind, Text  string
	Guidance         *string
	Required         bool
	EvidenceExpected bool
	Choices          []choice // YES_NO, RATING, SINGLE_CHOICE, MULTIPLE_CHOICE
	Number, TextVal  string
	NA               bool
	Comment          string
	Evidence         string
	Version          int
	Answered         bool
	Errors           []string
	// Conflict is what another user saved meanwhile, when the save was
	// refused because of it.
	Conflict string
	// ResponseID is the stored answer's id (0: none); Files are its
	// evidence files; CanAttach offers the file input (files.go).
	ResponseID int64
	Files      []fileView
	CanAttach  bool
}

type areaLink struct{ Key, Title string }

type areaData struct {
	H               header
	AreaKey, Title  string
	Description     *string
	Questions       []questionView
	CanRead         bool // answers, comments and evidence (never PARTNER)
	Editable        bool
	Answered, Total int
	Prev, Next      *areaLink
	General         []string
	Saved           bool
	StorageKey      string
	// CanChangeFiles: the user may attach and remove evidence files here
	// (files.go); Accept is the file inputs' accept attribute; File is
	// "attached" or "removed" after a file was.
	CanChangeFiles bool
	Accept         string
	File           string
	MaxMB          int64
}

func numberText(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// view builds the question as stored (r may be nil).
func questionViewOf(ctx interface {
	In(questionnaire.Text) string
}, q *questionnaire.Question, r *store.Response, lang string) questionView {
	v := questionView{Key: q.Key, Kind: string(q.Kind), Text: ctx.In(q.Text), Required: q.Required, EvidenceExpected: q.EvidenceExpected}
	if q.Guidance != nil && !q.Guidance.IsZero() {
		g := ctx.In(*q.Guidance)
		v.Guidance = &g
	}
	var a answerForm
	if r != nil {
		v.Version, v.Answered, v.ResponseID = r.Version, true, r.ID
		a = formOfResponse(r)
	}
	v.fill(ctx, q, a, lang)
	return v
}

// answerForm is an answer as the form holds it.
type answerForm struct {
	Values   []string
	NA       bool
	Comment  string
	Evidence string
}

func formOfResponse(r *store.Response) answerForm {
	a := answerForm{NA: r.NotApplicable, Evidence: strings.Join(r.Evidence, "\n")}
	if r.Comment != nil {
		a.Comment = *r.Comment
	}
	switch {
	case r.BoolValue != nil:
		a.Values = []string{strconv.FormatBool(*r.BoolValue)}
	case r.NumberValue != nil:
		a.Values = []string{numberText(r.NumberValue)}
	case r.TextValue != nil:
		a.Values = []string{*r.TextValue}
	case r.ChoiceKeys != nil:
		a.Values = r.ChoiceKeys
	}
	return a
}

func formOfRequest(form url.Values, key string) answerForm {
	return answerForm{Values: form["v."+key], NA: form.Get("na."+key) != "", Comment: form.Get("c." + key), Evidence: form.Get("e." + key)}
}

func (v *questionView) fill(ctx interface {
	In(questionnaire.Text) string
}, q *questionnaire.Question, a answerForm, lang string) {
	first := ""
	if len(a.Values) > 0 {
		first = a.Values[0]
	}
	v.NA, v.Comment, v.Evidence = a.NA, a.Comment, a.Evidence
	v.Choices, v.Number, v.TextVal = nil, "", ""
	switch q.Kind {
	case questionnaire.KindYesNo:
		v.Choices = []choice{{"true", i18n.T(lang, "web.answer.yes"), first == "true"}, {"false", i18n.T(lang, "web.answer.no"), first == "false"}}
	case questionnaire.KindRating:
		for i := 0; i <= q.Scale; i++ {
			label := strconv.Itoa(i)
			if t, ok := q.ScaleLabels[i]; ok {
				label += " – " + ctx.In(t)
			}
			v.Choices = append(v.Choices, choice{strconv.Itoa(i), label, first == strconv.Itoa(i)})
		}
	case questionnaire.KindSingleChoice, questionnaire.KindMultipleChoice:
		for _, o := range q.Options {
			v.Choices = append(v.Choices, choice{o.Key, ctx.In(o.Label), slices.Contains(a.Values, o.Key)})
		}
	case questionnaire.KindNumber, questionnaire.KindPercentage:
		v.Number = first
	case questionnaire.KindText:
		v.TextVal = first
	}
}

// area shows one area with every question.
func (h *Handler) area(w http.ResponseWriter, r *http.Request) {
	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	d, ok := h.areaData(w, r, l)
	if !ok {
		return
	}
	d.Saved = r.URL.Query().Get("saved") == "1"
	switch f := r.URL.Query().Get("file"); f {
	case "attached", "removed":
		d.File = f
	}
	h.render(w, r, http.StatusOK, "area", "web.area.title", d, "Area", d.Title)
}

// areaData reads the area of the path with its stored answers (none for
// a role that may not read them).
func (h *Handler) areaData(w http.ResponseWriter, r *http.Request, l *loaded) (*areaData, bool) {
	ctx := r.Context()
	a := l.Q.AreaByKey(r.PathValue("area"))
	if a == nil {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
		return nil, false
	}
	lang := i18n.Lang(ctx)
	tr := texts{l.Q, r}
	d := &areaData{H: h.header(r, l), AreaKey: a.Key, Title: tr.In(a.Title),
		CanRead:    h.d.Assessments.CanReadResponses(ctx, l.A.InstitutionID),
		StorageKey: "gt:area:" + gid.Encode(gid.Assessment, l.A.ID) + ":" + a.Key}
	if a.Description != nil && !a.Description.IsZero() {
		s := tr.In(*a.Description)
		d.Description = &s
	}
	d.Editable = d.CanRead && l.A.Status == assessment.Draft && h.d.Guard.Can(ctx, l.A.InstitutionID, authz.EditAssessment)
	stored := map[string]*store.Response{}
	if d.CanRead {
		m, err := h.d.Assessments.ResponsesOf(ctx, []int64{l.A.ID})
		if err != nil {
			h.internal(w, r, err)
			return nil, false
		}
		rs := m[l.A.ID]
		for i := range rs {
			stored[rs[i].QuestionKey] = &rs[i]
		}
	}
	for _, q := range a.Questions {
		qv := questionViewOf(tr, &q, stored[q.Key], lang)
		d.Questions = append(d.Questions, qv)
	}
	if err := h.addFiles(r, d, l.A.InstitutionID); err != nil {
		h.internal(w, r, err)
		return nil, false
	}
	for _, as := range l.Results.Scores(l.Q).Areas {
		if as.AreaKey == a.Key {
			d.Answered, d.Total = as.Answered, as.Total
		}
	}
	areas := l.Q.AreaList()
	for i, x := range areas {
		if x.Key == a.Key {
			if i > 0 {
				d.Prev = &areaLink{areas[i-1].Key, tr.In(areas[i-1].Title)}
			}
			if i+1 < len(areas) {
				d.Next = &areaLink{areas[i+1].Key, tr.In(areas[i+1].Title)}
			}
		}
	}
	return d, true
}

// texts writes questionnaire texts in the language of a request.
type texts struct {
	q *assessment.Questionnaire
	r *http.Request
}

func (t texts) In(x questionnaire.Text) string { return t.q.In(t.r.Context(), x) }

// ---------------------------------------------------------------- saving

// saveJSON is the answer to a save sent by app.js (Accept: application/json).
type saveJSON struct {
	OK        bool              `json:"ok"`
	Message   string            `json:"message,omitempty"`
	Versions  map[string]int    `json:"versions,omitempty"`
	Errors    []questionProblem `json:"errors,omitempty"`
	General   []string          `json:"general,omitempty"`
	Conflicts []questionProblem `json:"conflicts,omitempty"`
}

type questionProblem struct {
	Question string `json:"question"`
	Message  string `json:"message"`
	Version  int    `json:"version,omitempty"`
}

const idempotencyHeader = "Idempotency-Key"

// saveArea saves every answer of the area form that differs from what is
// stored, all or nothing (assessment.Service.SaveResponses). Each
// response carries the version the form was read at: a response someone
// else changed meanwhile answers CONFLICT beside its question, with what
// is stored now, and the user's answers stay on screen.
//
// A save carrying an Idempotency-Key header (app.js sends one, and the
// same one again when it retries) is applied at most once per user and
// key: the key is written in the save's transaction (store.Claim, as for
// /graphql) and the answer next to it, so a retry gets the first answer.
func (h *Handler) saveArea(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.fail(w, r, http.StatusRequestEntityTooLarge, "web.error.badForm")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
		return
	}
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	key := r.Header.Get(idempotencyHeader)
	var claim *store.Claim
	if key != "" {
		u := viewer(ctx)
		if len(key) > 200 || u == nil {
			h.fail(w, r, http.StatusBadRequest, "web.error.badForm")
			return
		}
		sum := sha256.Sum256(append([]byte(r.URL.Path+"\n"), body...))
		now := h.d.Now().UTC()
		claim = &store.Claim{Caller: "user:" + strconv.FormatInt(u.ID, 10), Key: "web:" + key, Hash: hex.EncodeToString(sum[:]), At: now}
		row, err := h.d.DB.FindIdempotencyKey(ctx, claim.Caller, claim.Key, now.Add(-24*time.Hour))
		if err != nil {
			h.internal(w, r, err)
			return
		}
		switch {
		case row == nil:
			ctx = store.WithClaim(ctx, claim)
			r = r.WithContext(ctx)
		case row.RequestHash != claim.Hash:
			h.saveAnswer(w, r, nil, http.StatusUnprocessableEntity, saveJSON{General: []string{i18n.Tc(ctx, "web.area.keyReused")}})
			return
		case row.Status == nil || row.Response == nil:
			w.Header().Set("Retry-After", "2")
			h.saveAnswer(w, r, nil, http.StatusServiceUnavailable, saveJSON{General: []string{i18n.Tc(ctx, "web.area.inProgress")}})
			return
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replay", "true")
			w.WriteHeader(*row.Status)
			io.WriteString(w, *row.Response)
			return
		}
	}

	l := h.loadOr404(w, r)
	if l == nil {
		return
	}
	d, ok := h.areaData(w, r, l)
	if !ok {
		return
	}
	lang := i18n.Lang(ctx)
	if !d.CanRead || !h.d.Guard.Can(ctx, l.A.InstitutionID, authz.EditAssessment) {
		// The page offers no save; the service refuses this one too
		// (FORBIDDEN), and the page says so.
		_, _, err := h.d.Assessments.SaveResponses(ctx, l.A.ID, []assessment.ResponseInput{{QuestionKey: d.Questions[0].Key}})
		if wantsJSON {
			h.saveAnswer(w, r, claim, http.StatusForbidden, saveJSON{General: []string{i18n.T(lang, "web.error.forbidden")}})
			return
		}
		h.refused(w, r, cmpErr(err, errs.ErrForbidden))
		return
	}
	area := l.Q.AreaByKey(d.AreaKey)
	stored := map[string]int{} // question key → index in d.Questions
	for i := range d.Questions {
		stored[d.Questions[i].Key] = i
	}
	var (
		in      []assessment.ResponseInput
		parse   = map[string][]string{}
		sentFor []int // index in d.Questions of each input
	)
	for i := range area.Questions {
		q := &area.Questions[i]
		qv := &d.Questions[i]
		if _, carried := form["ver."+q.Key]; !carried {
			continue // the form did not show this question
		}
		af := formOfRequest(form, q.Key)
		ri, problem := inputOf(q, af, form.Get("ver."+q.Key))
		if problem != "" {
			parse[q.Key] = append(parse[q.Key], i18n.T(lang, problem))
		}
		before := answerForm{}
		if qv.Answered {
			before = formOfView(qv)
		}
		if ri == nil || (qv.Answered && sameForm(q, before, af)) {
			continue
		}
		if !qv.Answered && ri.NotApplicable == nil && !hasValue(af) && strings.TrimSpace(af.Comment) == "" && strings.TrimSpace(af.Evidence) == "" {
			continue // nothing given for a question without an answer
		}
		in = append(in, *ri)
		sentFor = append(sentFor, i)
	}
	// Show the user's answers, not the stored ones, whatever happens next.
	showSent := func() {
		for i := range area.Questions {
			q := &area.Questions[i]
			if _, carried := form["ver."+q.Key]; !carried {
				continue
			}
			d.Questions[i].fill(texts{l.Q, r}, q, formOfRequest(form, q.Key), lang)
			if v, err := strconv.Atoi(form.Get("ver." + q.Key)); err == nil {
				d.Questions[i].Version = v
			}
		}
	}
	if len(parse) > 0 {
		showSent()
		var out saveJSON
		for i := range d.Questions {
			for _, m := range parse[d.Questions[i].Key] {
				d.Questions[i].Errors = append(d.Questions[i].Errors, m)
				out.Errors = append(out.Errors, questionProblem{Question: d.Questions[i].Key, Message: m})
			}
		}
		h.saveRefused(w, r, claim, d, http.StatusUnprocessableEntity, out, wantsJSON)
		return
	}
	if len(in) == 0 {
		h.saved(w, r, claim, d, map[string]int{}, wantsJSON)
		return
	}
	_, rs, err := h.d.Assessments.SaveResponses(ctx, l.A.ID, in)
	if errors.Is(err, store.ErrKeyInUse) {
		w.Header().Set("Retry-After", "2")
		h.saveAnswer(w, r, nil, http.StatusServiceUnavailable, saveJSON{General: []string{i18n.T(lang, "web.area.inProgress")}})
		return
	}
	if err != nil {
		u, ok := errs.AsUser(err)
		if !ok {
			if wantsJSON && errors.Is(err, errs.ErrForbidden) {
				h.saveAnswer(w, r, claim, http.StatusForbidden, saveJSON{General: []string{i18n.T(lang, "web.error.forbidden")}})
				return
			}
			h.refused(w, r, err)
			return
		}
		showSent()
		// What is stored now, for the questions someone else changed.
		now, err := h.d.Assessments.ResponsesOf(ctx, []int64{l.A.ID})
		if err != nil {
			h.internal(w, r, err)
			return
		}
		current := map[string]*store.Response{}
		for i, x := range now[l.A.ID] {
			current[x.QuestionKey] = &now[l.A.ID][i]
		}
		status := http.StatusUnprocessableEntity
		var out saveJSON
		for _, e := range u {
			idx := -1
			if len(e.Field) >= 3 && e.Field[0] == "input" && e.Field[1] == "responses" {
				if n, err := strconv.Atoi(e.Field[2]); err == nil && n >= 0 && n < len(sentFor) {
					idx = sentFor[n]
				}
			}
			if idx < 0 {
				msg := e.Text(lang)
				if e.Code == errs.InvalidState {
					msg = i18n.T(lang, "web.area.notDraft")
				}
				d.General = append(d.General, msg)
				out.General = append(out.General, msg)
				continue
			}
			qv := &d.Questions[idx]
			if e.Code == errs.Conflict {
				status = http.StatusConflict
				cur := current[qv.Key]
				qv.Conflict = h.summary(lang, texts{l.Q, r}, l.Q.QuestionByKey(qv.Key).Question, cur)
				qv.Version = 0
				if cur != nil {
					qv.Version = cur.Version
				}
				msg := i18n.T(lang, "web.area.conflict", i18n.Data{"Current": qv.Conflict})
				qv.Errors = append(qv.Errors, msg)
				out.Conflicts = append(out.Conflicts, questionProblem{Question: qv.Key, Message: msg, Version: qv.Version})
				continue
			}
			msg := h.fieldMessage(lang, l.Q.QuestionByKey(qv.Key).Question, e)
			qv.Errors = append(qv.Errors, msg)
			out.Errors = append(out.Errors, questionProblem{Question: qv.Key, Message: msg})
		}
		h.saveRefused(w, r, claim, d, status, out, wantsJSON)
		return
	}
	versions := map[string]int{}
	for _, x := range rs {
		versions[x.QuestionKey] = x.Version
	}
	h.saved(w, r, claim, d, versions, wantsJSON)
}

func cmpErr(err, fallback error) error {
	if err == nil {
		return fallback
	}
	return err
}

// fieldMessage is a user error of a response in the user's language. The
// answer checks of the questionnaire package speak of the API's fields
// (number, choiceKeys); the page says what to do with the control the
// user sees instead, and gives the service's own message otherwise.
func (h *Handler) fieldMessage(lang string, q *questionnaire.Question, e errs.UserError) string {
	field := ""
	if len(e.Field) >= 4 {
		field = e.Field[3]
	}
	switch field {
	case questionnaire.FieldNumber:
		switch q.Kind {
		case questionnaire.KindPercentage:
			return i18n.T(lang, "web.area.error.percentage")
		case questionnaire.KindRating:
			return i18n.T(lang, "web.area.error.rating", i18n.Data{"Scale": q.Scale})
		}
		return i18n.T(lang, "web.area.error.number")
	case questionnaire.FieldChoices:
		if q.Kind == questionnaire.KindSingleChoice {
			return i18n.T(lang, "web.area.error.single")
		}
		return i18n.T(lang, "web.area.error.choices")
	case questionnaire.FieldBool, questionnaire.FieldText:
		if e.Message == "error.maxLength" || e.Message == "error.input.tooLong" {
			return i18n.T(lang, "web.area.error.tooLong")
		}
		return i18n.T(lang, "web.area.error.value")
	case "comment", "evidence":
		return i18n.T(lang, "web.area.error.tooLong")
	}
	if e.Code == errs.Invalid && len(e.Field) >= 4 && e.Field[3] != "questionKey" {
		return i18n.T(lang, "web.area.error.value")
	}
	return e.Text(lang)
}

// summary writes a stored answer in words, for a conflict message.
func (h *Handler) summary(lang string, tr texts, q *questionnaire.Question, r *store.Response) string {
	if r == nil {
		return i18n.T(lang, "web.area.noAnswer")
	}
	if r.NotApplicable {
		return i18n.T(lang, "web.area.notApplicable")
	}
	v := questionView{}
	v.fill(tr, q, formOfResponse(r), lang)
	var parts []string
	for _, c := range v.Choices {
		if c.Checked {
			parts = append(parts, c.Label)
		}
	}
	if v.Number != "" {
		parts = append(parts, i18n.Number(lang, v.Number))
	}
	if v.TextVal != "" {
		parts = append(parts, v.TextVal)
	}
	if len(parts) == 0 {
		return i18n.T(lang, "web.area.noAnswer")
	}
	return strings.Join(parts, ", ")
}

func formOfView(v *questionView) answerForm {
	a := answerForm{NA: v.NA, Comment: v.Comment, Evidence: v.Evidence}
	for _, c := range v.Choices {
		if c.Checked {
			a.Values = append(a.Values, c.Value)
		}
	}
	if v.Number != "" {
		a.Values = []string{v.Number}
	}
	if v.TextVal != "" {
		a.Values = []string{v.TextVal}
	}
	return a
}

func hasValue(a answerForm) bool {
	for _, v := range a.Values {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

func evidenceLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// sameForm reports whether the form's answer is the stored one.
func sameForm(q *questionnaire.Question, stored, sent answerForm) bool {
	if stored.NA != sent.NA || strings.TrimSpace(stored.Comment) != strings.TrimSpace(sent.Comment) ||
		!slices.Equal(evidenceLines(stored.Evidence), evidenceLines(sent.Evidence)) {
		return false
	}
	if sent.NA {
		return true
	}
	norm := func(vs []string) []string {
		out := []string{}
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				if q.Kind.IsNumeric() || q.Kind == questionnaire.KindRating {
					if f, err := parseNumber(v); err == nil {
						v = strconv.FormatFloat(f, 'f', -1, 64)
					}
				}
				out = append(out, v)
			}
		}
		return out
	}
	return slices.Equal(norm(stored.Values), norm(sent.Values))
}

// parseNumber reads a number as users write it: "12.5", "12,5" (French
// decimal comma), "1 500".
func parseNumber(s string) (float64, error) {
	s = strings.NewReplacer(" ", "", "\u202f", "", "\u00a0", "", ",", ".").Replace(strings.TrimSpace(s))
	return strconv.ParseFloat(s, 64)
}

// inputOf turns a question's part of the form into a response to save; a
// problem (a catalog ID) when a value cannot be read.
func inputOf(q *questionnaire.Question, a answerForm, version string) (*assessment.ResponseInput, string) {
	ri := &assessment.ResponseInput{QuestionKey: q.Key}
	comment := a.Comment
	ri.Comment = &comment
	ri.Evidence = evidenceLines(a.Evidence)
	if v, err := strconv.Atoi(version); err == nil {
		ri.ExpectedVersion = &v
	} else {
		zero := 0
		ri.ExpectedVersion = &zero
	}
	if a.NA {
		t := true
		ri.NotApplicable = &t
		return ri, ""
	}
	var vals []string
	for _, v := range a.Values {
		if v = strings.TrimSpace(v); v != "" {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return ri, ""
	}
	switch q.Kind {
	case questionnaire.KindYesNo:
		b, err := strconv.ParseBool(vals[0])
		if err != nil {
			return nil, "web.area.error.value"
		}
		ri.Bool = &b
	case questionnaire.KindRating, questionnaire.KindNumber, questionnaire.KindPercentage:
		f, err := parseNumber(vals[0])
		if err != nil {
			return nil, "web.area.error.notNumber"
		}
		ri.Number = &f
	case questionnaire.KindText:
		ri.Text = &vals[0]
	case questionnaire.KindSingleChoice, questionnaire.KindMultipleChoice:
		ri.Choices = vals
	}
	return ri, ""
}

// saved answers a save that went through: back to the area (POST-redirect-
// GET), or the new versions for app.js.
func (h *Handler) saved(w http.ResponseWriter, r *http.Request, claim *store.Claim, d *areaData, versions map[string]int, wantsJSON bool) {
	if wantsJSON {
		h.saveAnswer(w, r, claim, http.StatusOK, saveJSON{OK: true, Message: i18n.Tc(r.Context(), "web.area.saved"), Versions: versions})
		return
	}
	http.Redirect(w, r, "/assessments/"+d.H.ID+"/areas/"+d.AreaKey+"?saved=1", http.StatusSeeOther)
}

// saveRefused answers a save that changed nothing: the area again with
// each problem beside its question, or the problems for app.js.
func (h *Handler) saveRefused(w http.ResponseWriter, r *http.Request, claim *store.Claim, d *areaData, status int, out saveJSON, wantsJSON bool) {
	if wantsJSON {
		h.saveAnswer(w, r, claim, status, out)
		return
	}
	h.render(w, r, status, "area", "web.area.title", d, "Area", d.Title)
}

// saveAnswer writes a JSON answer, kept with its idempotency key.
func (h *Handler) saveAnswer(w http.ResponseWriter, r *http.Request, claim *store.Claim, status int, out saveJSON) {
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(out)
	if claim != nil {
		if err := h.d.DB.SaveIdempotentAnswer(r.Context(), claim, status, buf.String()); err != nil {
			h.d.Log.WarnContext(r.Context(), "web: idempotent answer not kept", "err", err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

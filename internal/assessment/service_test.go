package assessment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// fixture is a migrated database with two institutions, a committee member
// and a leader of the first, a partner reader of the first, and the
// bundled questionnaires plus a small test one.
type fixture struct {
	t                    *testing.T
	db                   *store.DB
	s                    *Service
	inst, other          int64
	committee, lead, ptn context.Context
	system               context.Context
	committeeID          int64
}

const smallDoc = `
key: small
version: 1
defaultLanguage: en
languages: [en, fr]
title: {en: Small, fr: Petit}
areas:
  - key: a
    title: {en: Area A, fr: Domaine A}
    questions:
      - key: policy
        kind: YES_NO
        text: {en: "Policy?", fr: "Politique ?"}
        gap: {category: POLICY, severity: HIGH, finding: {en: No yes, fr: Pas de oui}}
      - key: rate
        kind: RATING
        scale: 3
        weight: 2
        text: {en: Rate, fr: Note}
        gap: {below: 0.6, category: CAPACITY, severity: MEDIUM, finding: {en: Low rating, fr: Note basse}}
  - key: b
    title: {en: Area B, fr: Domaine B}
    questions:
      - key: pick
        kind: MULTIPLE_CHOICE
        text: {en: Pick, fr: Choisir}
        options:
          - {key: x, label: {en: X, fr: X}, score: 0.5}
          - {key: y, label: {en: Y, fr: Y}, score: 0.5}
      - key: notes
        kind: TEXT
        text: {en: Notes, fr: Notes}
`

func setup(t *testing.T, dsn string) *fixture {
	t.Helper()
	db := storetest.Open(t, dsn)
	guard, err := authz.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
	f := &fixture{t: t, db: db, s: &Service{DB: db, Guard: guard, Now: func() time.Time { return now }}}
	ctx := context.Background()
	for _, name := range []string{"Police", "Gendarmerie"} {
		inst := &store.Institution{Name: name, Sector: "POLICE", Country: "ML", Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(inst).Returning("id").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if f.inst == 0 {
			f.inst = inst.ID
		} else {
			f.other = inst.ID
		}
	}
	var ids []int64
	for _, email := range []string{"c@x.org", "l@x.org", "p@x.org"} {
		u := &store.User{Email: email, Name: email, PasswordHash: "x", Version: 1, CreatedAt: now}
		if _, err := db.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if err := guard.Load([]authz.Assignment{
		{UserID: ids[0], Role: authz.RoleCommitteeMember, InstitutionID: f.inst},
		{UserID: ids[1], Role: authz.RoleLeadership, InstitutionID: f.inst},
		{UserID: ids[2], Role: authz.RolePartner, InstitutionID: f.inst},
	}, 1); err != nil {
		t.Fatal(err)
	}
	f.committeeID = ids[0]
	f.committee = auth.WithActor(ctx, &auth.Actor{UserID: ids[0]})
	f.lead = auth.WithActor(ctx, &auth.Actor{UserID: ids[1]})
	f.ptn = auth.WithActor(ctx, &auth.Actor{UserID: ids[2]})
	f.system = authz.System(ctx)
	if _, err := f.s.ImportBundled(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.importFS(f.system, fstest.MapFS{"small.yaml": {Data: []byte(smallDoc)}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func codes(err error) []string {
	u, ok := errs.AsUser(err)
	if !ok {
		if err == nil {
			return nil
		}
		return []string{"ERR:" + err.Error()}
	}
	var out []string
	for _, e := range u {
		out = append(out, string(e.Code)+"@"+strings.Join(e.Field, "."))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) create(ctx context.Context, key string) *store.Assessment {
	f.t.Helper()
	a, err := f.s.Create(ctx, CreateInput{InstitutionID: f.inst, QuestionnaireKey: key, Title: "Baseline", StartDate: "2025-01-15"})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestImportBundledOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		again, err := f.s.ImportBundled(context.Background())
		if err != nil || len(again) != 0 {
			t.Fatalf("second start-up import: %v %v", again, err)
		}
		qs, err := f.s.Questionnaires(f.committee, false)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, q := range qs {
			keys = append(keys, q.Key)
		}
		if got := strings.Join(keys, ","); got != "gbv-crsv-response-capacity,security-sector-gender-self-assessment,small" {
			t.Fatalf("questionnaires = %s", got)
		}
		// A fresh service (another process) reads them back from the database.
		s2 := &Service{DB: f.db, Guard: f.s.Guard, Now: f.s.Now}
		q, err := s2.QuestionnaireByKey(f.committee, "small", nil)
		if err != nil || q == nil || q.QuestionCount() != 4 {
			t.Fatalf("re-read: %v %v", q, err)
		}
		if anon, _ := f.s.Questionnaires(context.Background(), false); len(anon) != 0 {
			t.Fatalf("anonymous callers see %d questionnaires", len(anon))
		}
	})
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		_, err := f.s.Import(f.committee, smallDoc)
		if err != errs.ErrForbidden {
			t.Fatalf("committee import: %v", err)
		}
		_, err = f.s.Import(f.system, smallDoc)
		if got := codes(err); len(got) != 1 || got[0] != "DUPLICATE@input.document.version" {
			t.Fatalf("duplicate: %v", got)
		}
		bad := strings.Replace(smallDoc, "scale: 3", "scale: 30", 1)
		bad = strings.Replace(bad, "version: 1", "version: 2", 1)
		_, err = f.s.Import(f.system, bad)
		if got := codes(err); len(got) != 1 || got[0] != "INVALID@input.document.areas.0.questions.1.scale" {
			t.Fatalf("bad scale: %v", got)
		}
		q, err := f.s.Import(f.system, strings.Replace(smallDoc, "version: 1", "version: 2", 1))
		if err != nil || q.Version != 2 {
			t.Fatalf("version 2: %v", err)
		}
		newest, _ := f.s.QuestionnaireByKey(f.committee, "small", nil)
		if newest.ID != q.ID {
			t.Fatal("the newest version is not the default")
		}
	})
}

func TestLifeCycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		a := f.create(f.committee, "small")
		if a.Status != Draft || a.Version != 1 {
			t.Fatalf("new assessment: %+v", a)
		}
		// Submitting without the required answers lists the keys.
		_, err := f.s.Submit(f.committee, a.ID, nil)
		if got := codes(err); len(got) != 1 || got[0] != "INVALID_STATE@input.assessmentId" || !strings.Contains(err.Error(), "policy, rate, pick") {
			t.Fatalf("submit incomplete: %v", err)
		}
		_, rs, err := f.s.SaveResponses(f.committee, a.ID, []ResponseInput{
			{QuestionKey: "policy", Bool: ptr(false), Comment: ptr("No procedure yet"), Evidence: []string{"memo 12"}},
			{QuestionKey: "rate", Number: ptr(1.0)},
			{QuestionKey: "pick", Choices: []string{"x"}},
			{QuestionKey: "notes", Text: ptr("  free text  ")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 4 || rs[0].ID == 0 || rs[0].Version != 1 || *rs[3].TextValue != "free text" || rs[0].AnsweredBy == nil || *rs[0].AnsweredBy != f.committeeID {
			t.Fatalf("saved: %+v", rs)
		}
		if rs[0].Evidence[0] != "memo 12" || rs[2].ChoiceKeys[0] != "x" || rs[1].ChoiceKeys != nil {
			t.Fatalf("lists: %+v", rs)
		}
		// Re-reading gives the same.
		m, err := f.s.ResponsesOf(f.committee, []int64{a.ID})
		if err != nil || len(m[a.ID]) != 4 || m[a.ID][0].Evidence[0] != "memo 12" || m[a.ID][1].ChoiceKeys != nil || m[a.ID][1].Evidence != nil {
			t.Fatalf("re-read: %+v %v", m, err)
		}
		// Changing one answer bumps only its version; unchanged ones stay.
		_, rs, err = f.s.SaveResponses(f.committee, a.ID, []ResponseInput{
			{QuestionKey: "policy", Bool: ptr(false), ExpectedVersion: ptr(1)},
			{QuestionKey: "rate", Number: ptr(2.0), ExpectedVersion: ptr(1)},
		})
		if err != nil || rs[0].Version != 1 || rs[1].Version != 2 || *rs[1].NumberValue != 2 || rs[0].Comment == nil {
			t.Fatalf("second save: %+v %v", rs, err)
		}
		_, _, err = f.s.SaveResponses(f.committee, a.ID, []ResponseInput{{QuestionKey: "rate", Number: ptr(3.0), ExpectedVersion: ptr(1)}})
		if got := codes(err); len(got) != 1 || got[0] != "CONFLICT@input.responses.0.expectedVersion" {
			t.Fatalf("conflict: %v", got)
		}
		// A manual finding stays through resubmission.
		if _, err := f.s.AddFinding(f.committee, FindingInput{AssessmentID: a.ID, AreaKey: "a", QuestionKey: ptr("policy"), Title: "Manual", Category: "POLICY", Severity: "LOW"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddFinding(f.committee, FindingInput{AssessmentID: a.ID, AreaKey: "b", QuestionKey: ptr("policy"), Title: "Wrong area", Category: "POLICY", Severity: "LOW"}); codes(err)[0] != "INVALID@input.questionKey" {
			t.Fatalf("wrong area: %v", err)
		}
		sub, err := f.s.Submit(f.committee, a.ID, nil)
		if err != nil || sub.Status != Submitted || sub.Version != 2 || sub.SubmittedAt == nil {
			t.Fatalf("submit: %+v %v", sub, err)
		}
		fs, _ := f.s.FindingsOf(f.committee, []int64{a.ID})
		if len(fs[a.ID]) != 2 { // manual + "No yes"; rate 2/3 >= 0.6
			t.Fatalf("findings: %+v", fs[a.ID])
		}
		if _, _, err := f.s.SaveResponses(f.committee, a.ID, []ResponseInput{{QuestionKey: "rate", Number: ptr(0.0)}}); codes(err)[0] != "INVALID_STATE@input.assessmentId" {
			t.Fatalf("save after submit: %v", err)
		}
		if _, err := f.s.Validate(f.committee, a.ID, nil); err != errs.ErrForbidden {
			t.Fatalf("committee validates: %v", err)
		}
		if _, err := f.s.Reopen(f.lead, a.ID, ptr("  ")); codes(err)[0] != "INVALID@input.reason" {
			t.Fatalf("reopen without reason: %v", err)
		}
		if _, err := f.s.Reopen(f.lead, a.ID, ptr("Rating was wrong")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.SaveResponses(f.committee, a.ID, []ResponseInput{{QuestionKey: "rate", Number: ptr(0.0)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Submit(f.committee, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		fs, _ = f.s.FindingsOf(f.committee, []int64{a.ID})
		var titles []string
		for _, x := range fs[a.ID] {
			titles = append(titles, x.Origin+":"+x.Title)
		}
		if got := strings.Join(titles, ","); got != "MANUAL:Manual,RULE:No yes,RULE:Low rating" {
			t.Fatalf("findings after resubmission: %s", got)
		}
		v, err := f.s.Validate(f.lead, a.ID, nil)
		if err != nil || v.Status != Validated || v.ValidatedBy == nil || v.Version != 5 {
			t.Fatalf("validate: %+v %v", v, err)
		}
		if _, err := f.s.Validate(f.lead, a.ID, nil); codes(err)[0] != "INVALID_STATE@input.assessmentId" {
			t.Fatalf("validate twice: %v", err)
		}
		if _, err := f.s.AddFinding(f.committee, FindingInput{AssessmentID: a.ID, AreaKey: "a", Title: "Late", Category: "POLICY", Severity: "LOW"}); codes(err)[0] != "INVALID_STATE@input.assessmentId" {
			t.Fatalf("finding on validated: %v", err)
		}
		// Other institutions' callers do not see it.
		if _, err := f.s.Create(f.committee, CreateInput{InstitutionID: f.other, QuestionnaireKey: "small", Title: "x", StartDate: "2025-01-01"}); codes(err)[0] != "NOT_FOUND@input.institutionId" {
			t.Fatalf("other institution: %v", err)
		}
		// Partners read scores but not responses.
		if f.s.CanReadResponses(f.ptn, f.inst) || !f.s.CanReadResponses(f.lead, f.inst) {
			t.Fatal("ReadResponses")
		}
		if m, _ := f.s.ResponsesByID(f.ptn, []int64{rs[0].ID}); len(m) != 0 {
			t.Fatal("a partner reads a response by id")
		}
	})
}

func TestSaveIsAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		a := f.create(f.committee, "small")
		_, _, err := f.s.SaveResponses(f.committee, a.ID, []ResponseInput{
			{QuestionKey: "policy", Bool: ptr(true)},
			{QuestionKey: "rate", Number: ptr(4.0)},
			{QuestionKey: "nope", Bool: ptr(true)},
			{QuestionKey: "policy", Bool: ptr(true)},
			{QuestionKey: "pick", Choices: []string{"x", "x"}, Evidence: []string{" "}},
			{QuestionKey: "notes", Text: ptr("a"), NotApplicable: ptr(true)},
		})
		want := "INVALID@input.responses.1.numberValue NOT_FOUND@input.responses.2.questionKey INVALID@input.responses.3.questionKey " +
			"INVALID@input.responses.4.choiceKeys INVALID@input.responses.4.evidence.0 INVALID@input.responses.5.textValue"
		if got := strings.Join(codes(err), " "); got != want {
			t.Fatalf("errors:\n got %s\nwant %s", got, want)
		}
		m, _ := f.s.ResponsesOf(f.committee, []int64{a.ID})
		if len(m[a.ID]) != 0 {
			t.Fatalf("%d responses stored", len(m[a.ID]))
		}
		many := make([]ResponseInput, MaxResponses+1)
		if _, _, err := f.s.SaveResponses(f.committee, a.ID, many); codes(err)[0] != "INVALID@input.responses" {
			t.Fatalf("too many: %v", err)
		}
	})
}

func TestFindingTitlesInEveryLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		a := f.create(f.committee, "small")
		if _, _, err := f.s.SaveResponses(f.committee, a.ID, []ResponseInput{
			{QuestionKey: "policy", Bool: ptr(false)}, {QuestionKey: "rate", NotApplicable: ptr(true)}, {QuestionKey: "pick", Choices: []string{"x", "y"}},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Submit(f.committee, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		fs, _ := f.s.FindingsOf(f.committee, []int64{a.ID})
		if len(fs[a.ID]) != 1 {
			t.Fatalf("findings: %+v", fs[a.ID])
		}
		x := fs[a.ID][0]
		if x.Title != "No yes" || x.TitleI18n == nil || !strings.Contains(*x.TitleI18n, "Pas de oui") || x.InstitutionID != f.inst || *x.Detail != "Policy?" {
			t.Fatalf("finding: %+v", x)
		}
		q, _ := f.s.QuestionnaireByKey(f.committee, "small", nil)
		fr := reqinfo.WithAcceptLanguage(f.committee, "fr-FR,fr;q=0.9,en;q=0.5")
		if got := FindingTitle(fr, &x); got != "Pas de oui" {
			t.Fatalf("French title %q", got)
		}
		if got := q.In(fr, q.Title); got != "Petit" {
			t.Fatalf("French questionnaire title %q", got)
		}
	})
}

// The number of statements of a save does not grow with the responses.
func TestSaveStatementCount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		var b strings.Builder
		b.WriteString("key: big\nversion: 1\ndefaultLanguage: en\nlanguages: [en]\ntitle: Big\nareas:\n  - key: all\n    title: All\n    questions:\n")
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(&b, "      - {key: q%d, kind: RATING, scale: 3, text: Q%d}\n", i, i)
		}
		if _, err := f.s.Import(f.system, b.String()); err != nil {
			t.Fatal(err)
		}
		count := func(n int) int64 {
			a := f.create(f.committee, "big")
			in := make([]ResponseInput, n)
			for i := range in {
				in[i] = ResponseInput{QuestionKey: fmt.Sprintf("q%d", i), Number: ptr(float64(i % 4)), Comment: ptr("c")}
			}
			before := f.db.Queries()
			if _, _, err := f.s.SaveResponses(f.committee, a.ID, in); err != nil {
				t.Fatal(err)
			}
			// and again, updating every one
			for i := range in {
				in[i].Number = ptr(float64((i + 1) % 4))
			}
			if _, _, err := f.s.SaveResponses(f.committee, a.ID, in); err != nil {
				t.Fatal(err)
			}
			return f.db.Queries() - before
		}
		small, large := count(10), count(1000)
		if small != large {
			t.Fatalf("saving 10 responses twice took %d statements, 1000 took %d", small, large)
		}
		t.Logf("two saves: %d statements", large)
	})
}

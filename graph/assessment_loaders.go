package graph

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/questionnaire"
	"github.com/gendertrack/gendertrack/internal/store"
)

// AssessmentLoaders batch the lookups of questionnaires and assessments:
// reading an assessment with all its responses, scores and findings costs
// the same few statements whatever their number.
type AssessmentLoaders struct {
	Questionnaire *dataloadgen.Loader[int64, *assessment.Questionnaire]
	Assessment    *dataloadgen.Loader[int64, *store.Assessment]
	// Results and Findings are keyed by assessment id.
	Results      *dataloadgen.Loader[int64, *assessment.Results]
	Findings     *dataloadgen.Loader[int64, []store.Finding]
	Response     *dataloadgen.Loader[int64, *store.Response]
	FindingsByID *dataloadgen.Loader[int64, *store.Finding]
}

func newAssessmentLoaders(s *assessment.Service) *AssessmentLoaders {
	return &AssessmentLoaders{
		Questionnaire: dataloadgen.NewMappedLoader(s.QuestionnairesByID, wait),
		Assessment:    dataloadgen.NewMappedLoader(s.AssessmentsByID, wait),
		Results:       dataloadgen.NewMappedLoader(s.ResultsOf, wait),
		Findings:      dataloadgen.NewMappedLoader(s.FindingsOf, wait),
		Response:      dataloadgen.NewMappedLoader(s.ResponsesByID, wait),
		FindingsByID:  dataloadgen.NewMappedLoader(s.FindingsByID, wait),
	}
}

func aloaders(ctx context.Context) *AssessmentLoaders { return loaders(ctx).Assessment() }

// questionnaireOf returns the questionnaire of an assessment the caller has
// read.
func questionnaireOf(ctx context.Context, a *store.Assessment) (*assessment.Questionnaire, error) {
	q, err := load(ctx, aloaders(ctx).Questionnaire, a.QuestionnaireID)
	if err == nil && q == nil {
		err = errNoQuestionnaire
	}
	return q, err
}

// assessmentData is an assessment's questionnaire and results: every
// field that shows answers, or what they give, reads them here. The
// assessment service decides what of the results the caller may see.
func assessmentData(ctx context.Context, a *store.Assessment) (*assessment.Questionnaire, *assessment.Results, error) {
	rt := aloaders(ctx).Results.LoadThunk(ctx, a.ID)
	q, err := questionnaireOf(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	res, err := rt()
	if errors.Is(err, dataloadgen.ErrNotFound) {
		err = errs.ErrForbidden // an assessment the caller may no longer read
	}
	return q, res, err
}

var errNoQuestionnaire = errors.New("an assessment's questionnaire is missing")

// findingQuestionnaire is the questionnaire of a finding's assessment; nil
// when the caller may not read the assessment.
func findingQuestionnaire(ctx context.Context, f *store.Finding) (*assessment.Questionnaire, error) {
	a, err := load(ctx, aloaders(ctx).Assessment, f.AssessmentID)
	if err != nil || a == nil {
		return nil, err
	}
	return questionnaireOf(ctx, a)
}

// responseQuestionnaire is the questionnaire of a response's assessment.
func responseQuestionnaire(ctx context.Context, r *store.Response) (*assessment.Questionnaire, error) {
	a, err := load(ctx, aloaders(ctx).Assessment, r.AssessmentID)
	if err != nil || a == nil {
		return nil, err
	}
	return questionnaireOf(ctx, a)
}

// values turns a list of pointers into the list of values gqlgen returns.
func values[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// pageOf cuts one page out of items already in id order.
func pageOf[T any](items []T, p store.Page, id func(*T) int64) ([]T, bool) {
	start := 0
	if p.After > 0 {
		start = len(items)
		for i := range items {
			if id(&items[i]) > p.After {
				start = i
				break
			}
		}
	}
	rest := items[start:]
	if len(rest) > p.First {
		return rest[:p.First], true
	}
	return rest, false
}

func score(s questionnaire.Score) *model.Score {
	return &model.Score{Points: s.Points, MaxPoints: s.MaxPoints, Percent: s.Percent}
}

// keyedNodeThunk resolves the IDs of objects named by a key inside their
// owner (gid.EncodeKey): questions of a questionnaire.
func (r *Resolver) keyedNodeThunk(ctx context.Context, typ gid.Kind, id int64, key string) func() (model.Node, error) {
	if typ != gid.Question {
		return func() (model.Node, error) { return nil, nil }
	}
	t := aloaders(ctx).Questionnaire.LoadThunk(ctx, id)
	return func() (model.Node, error) {
		q, err := t()
		if err != nil || q == nil {
			return nil, ignoreNotFound(err)
		}
		if qu := q.QuestionByKey(key); qu != nil {
			return qu, nil
		}
		return nil, nil
	}
}

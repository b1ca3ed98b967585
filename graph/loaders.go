package graph

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/gendertrack/gendertrack/internal/store"
)

// Loaders batch the lookups of one request so that a list of N objects costs
// one query per field, not N. The groups below the plain loaders are made
// when a field first asks for one: a mutation or a small query uses few of
// them, and making all of them was ~3 % of the server's CPU per write.
type Loaders struct {
	Institution *dataloadgen.Loader[int64, *store.Institution]
	Unit        *dataloadgen.Loader[int64, *store.Unit]
	Children    *dataloadgen.Loader[int64, []store.Unit]
	Partner     *dataloadgen.Loader[int64, *store.Partner]
	User        *dataloadgen.Loader[int64, *store.User]

	assessment func() *AssessmentLoaders
	plan       func() *PlanLoaders
	gaps       func() *GapLoaders
	evidence   func() *EvidenceLoaders
}

// Assessment holds the questionnaire and assessment loaders.
func (l *Loaders) Assessment() *AssessmentLoaders { return l.assessment() }

// Plan holds the action-plan loaders.
func (l *Loaders) Plan() *PlanLoaders { return l.plan() }

// Gaps holds the gap-flag loaders.
func (l *Loaders) Gaps() *GapLoaders { return l.gaps() }

// Evidence holds the evidence-file loaders.
func (l *Loaders) Evidence() *EvidenceLoaders { return l.evidence() }

// EvidenceLoaders batch the lookups of evidence files: the files of
// responses and of progress updates, keyed by their owner's id, and files
// by id (node).
type EvidenceLoaders struct {
	ResponseFiles *dataloadgen.Loader[int64, []store.EvidenceFile]
	UpdateFiles   *dataloadgen.Loader[int64, []store.EvidenceFile]
	File          *dataloadgen.Loader[int64, *store.EvidenceFile]
}

type loadersKey struct{}

var wait = dataloadgen.WithWait(time.Millisecond)

// NewLoaders makes a fresh loader set for one request.
func (r *Resolver) NewLoaders() *Loaders {
	return &Loaders{
		Institution: dataloadgen.NewMappedLoader(r.Org.InstitutionsByID, wait),
		Unit:        dataloadgen.NewMappedLoader(r.Org.UnitsByID, wait),
		Children: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64][]store.Unit, error) {
			m, err := r.Org.Children(ctx, ids)
			for _, id := range ids {
				if _, ok := m[id]; !ok && err == nil {
					m[id] = []store.Unit{}
				}
			}
			return m, err
		}, wait),
		Partner:    dataloadgen.NewMappedLoader(r.Org.PartnersByID, wait),
		User:       dataloadgen.NewMappedLoader(r.Account.UsersByID, wait),
		assessment: sync.OnceValue(func() *AssessmentLoaders { return newAssessmentLoaders(r.AssessmentService) }),
		plan: sync.OnceValue(func() *PlanLoaders {
			return newPlanLoaders(r.Plans, PlanFetchers{Units: r.Org.UnitsByID, Partners: r.Org.PartnersByID, Users: r.Account.UsersByID}, r.NarrowReads)
		}),
		gaps: sync.OnceValue(func() *GapLoaders { return newGapLoaders(r.Gaps) }),
		evidence: sync.OnceValue(func() *EvidenceLoaders {
			return &EvidenceLoaders{
				ResponseFiles: dataloadgen.NewMappedLoader(r.Evidence.ResponseFiles, wait),
				UpdateFiles:   dataloadgen.NewMappedLoader(r.Evidence.UpdateFiles, wait),
				File:          dataloadgen.NewMappedLoader(r.Evidence.FilesByID, wait),
			}
		}),
	}
}

// WithLoaders puts a loader set in the request context.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

func loaders(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

// load fetches one object through a loader; a missing object is nil.
func load[T any](ctx context.Context, l *dataloadgen.Loader[int64, *T], id int64) (*T, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func ignoreNotFound(err error) error {
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil
	}
	return err
}

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// world is what the scenarios work on, found through the API.
type world struct {
	institution string
	plan        string
	actions     []string
	assessment  string
	questions   []question
}

type question struct {
	Key     string
	Kind    string
	Scale   *int
	Options []struct{ Key string }
}

const discoverQuery = `query Discover {
  institutions(first: 1) { edges { node { id
    actionPlans(first: 1, status: ADOPTED) { edges { node { id actions(first: 500) { edges { node { id status } } } } } }
    assessments(first: 1, status: DRAFT) { edges { node { id questionnaire { areas { questions { key kind scale options { key } } } } } } }
  } } }
}`

func discover(ctx context.Context, c *client) (*world, error) {
	data, err := c.do(ctx, "Discover", discoverQuery, nil)
	if err != nil {
		return nil, err
	}
	var out struct {
		Institutions struct {
			Edges []struct {
				Node struct {
					ID          string
					ActionPlans struct {
						Edges []struct {
							Node struct {
								ID      string
								Actions struct {
									Edges []struct{ Node struct{ ID, Status string } }
								}
							}
						}
					}
					Assessments struct {
						Edges []struct {
							Node struct {
								ID            string
								Questionnaire struct {
									Areas []struct{ Questions []question }
								}
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if len(out.Institutions.Edges) == 0 {
		return nil, errNoData
	}
	inst := out.Institutions.Edges[0].Node
	w := &world{institution: inst.ID}
	if len(inst.ActionPlans.Edges) > 0 {
		p := inst.ActionPlans.Edges[0].Node
		w.plan = p.ID
		for _, a := range p.Actions.Edges {
			if a.Node.Status != "COMPLETED" && a.Node.Status != "CANCELLED" {
				w.actions = append(w.actions, a.Node.ID)
			}
		}
	}
	if len(inst.Assessments.Edges) > 0 {
		a := inst.Assessments.Edges[0].Node
		w.assessment = a.ID
		for _, area := range a.Questionnaire.Areas {
			w.questions = append(w.questions, area.Questions...)
		}
	}
	return w, nil
}

const dashboardQuery = `query Dashboard($inst: ID!, $plan: ID!) {
  institution: node(id: $inst) { ... on Institution { name summary {
    activePlans actionsTotal actionsCompleted actionsOverdue openGapFlags
    openGapFlagsByCategory { category count } budget { currency required secured gap }
    latestValidatedAssessment { id title scores { overall { percent } } } } } }
  plan: node(id: $plan) { ... on ActionPlan { title status progress {
    actionsTotal actionsByStatus { status count } completionPercent actionsOverdue
    budget { currency required secured gap } indicatorsOnTrack indicatorsOffTrack indicatorsNotMeasured indicatorsAchieved
    openGapFlags openGapFlagsByCategory { category count } }
    actions(first: 50) { totalCount edges { node { id title status health progressPercent dueDate
      leadUnit { id name } resources { kind status amountRequired amountSecured currency quantityRequired quantitySecured }
      indicators { id name level status latest { value measuredOn } }
      updates(first: 1) { edges { node { createdAt status progressPercent note } } } } } } } }
  flags: gapFlags(filter: {institutionId: $inst}, first: 50) { totalCount edges { node {
    id rule category severity state message detectedAt subject { id __typename } } } }
}`

const planPageQuery = `query PlanPage($plan: ID!) {
  node(id: $plan) { ... on ActionPlan { id title startDate endDate status adoptedAt adoptedBy { name }
    institution { name } sourceAssessment { title }
    objectives { id title description findings { id title severity } indicators { id name level baseline target status latest { value } } }
    disseminations { unit { name } date method }
    progress { actionsTotal actionsByStatus { status count } completionPercent actionsOverdue budget { currency required secured gap }
      indicatorsOnTrack indicatorsOffTrack indicatorsNotMeasured indicatorsAchieved openGapFlags }
    actions(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
      id title description kind status progressPercent health startDate dueDate accountable updatedAt version
      objective { id title } leadUnit { id name region } supportingUnits { id name } partners { id name kind }
      findings { id title }
      resources { id kind description quantityRequired quantitySecured unit amountRequired amountSecured currency provider { name } status version }
      indicators { id name level unit baseline target baselineDate targetDate status measurements { value measuredOn } latest { value measuredOn } }
      updates(first: 3) { totalCount edges { node { createdAt status progressPercent note evidence author { name } } } }
      gapFlags { id rule severity state } } } } } }
}`

const flagsQuery = `query InstitutionFlags($inst: ID!) {
  gapFlags(filter: {institutionId: $inst}, first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { node {
    id rule category severity state message detectedAt note plan { id title } subject { id __typename } } } }
}`

const allFlagsQuery = `query AllFlags {
  gapFlags(first: 100) { totalCount edges { node { id rule category severity state message detectedAt institution { name } subject { id } } } }
}`

const saveResponsesMutation = `mutation SaveResponses($input: SaveResponsesInput!) {
  saveResponses(input: $input) { responses { id version } userErrors { field message code } }
}`

const recordProgressMutation = `mutation RecordProgress($input: RecordProgressInput!) {
  recordProgress(input: $input) { action { id status progressPercent health } update { id } userErrors { field message code } }
}`

// responses draws a full set of answers to the assessment's questions.
func (w *world) responses(rnd *rand.Rand) []map[string]any {
	out := make([]map[string]any, 0, len(w.questions))
	for _, q := range w.questions {
		r := map[string]any{"questionKey": q.Key}
		switch q.Kind {
		case "YES_NO":
			r["boolValue"] = rnd.IntN(2) == 0
		case "RATING":
			scale := 3
			if q.Scale != nil {
				scale = *q.Scale
			}
			r["numberValue"] = rnd.IntN(scale + 1)
		case "PERCENTAGE":
			r["numberValue"] = rnd.IntN(101)
		case "NUMBER":
			r["numberValue"] = rnd.IntN(1000)
		case "SINGLE_CHOICE":
			r["choiceKeys"] = []string{q.Options[rnd.IntN(len(q.Options))].Key}
		case "MULTIPLE_CHOICE":
			r["choiceKeys"] = []string{q.Options[0].Key}
		case "TEXT":
			r["textValue"] = "Notes from the focus group."
		}
		out = append(out, r)
	}
	return out
}

// scenario returns the operation a scenario repeats.
func (w *world) scenario(name string, user, admin *client) op {
	read := map[string]op{
		"dashboard": func(ctx context.Context, _ *rand.Rand) error {
			_, err := user.do(ctx, "Dashboard", dashboardQuery, map[string]any{"inst": w.institution, "plan": w.plan})
			return err
		},
		"plan-page": func(ctx context.Context, _ *rand.Rand) error {
			_, err := user.do(ctx, "PlanPage", planPageQuery, map[string]any{"plan": w.plan})
			return err
		},
		"institution-flags": func(ctx context.Context, _ *rand.Rand) error {
			_, err := user.do(ctx, "InstitutionFlags", flagsQuery, map[string]any{"inst": w.institution})
			return err
		},
		"all-flags": func(ctx context.Context, _ *rand.Rand) error {
			_, err := admin.do(ctx, "AllFlags", allFlagsQuery, nil)
			return err
		},
	}
	write := map[string]op{
		"save-responses": func(ctx context.Context, rnd *rand.Rand) error {
			if w.assessment == "" {
				return errNoData
			}
			_, err := user.do(ctx, "SaveResponses", saveResponsesMutation, map[string]any{"input": map[string]any{"assessmentId": w.assessment, "responses": w.responses(rnd)}})
			return err
		},
		"record-progress": func(ctx context.Context, rnd *rand.Rand) error {
			if len(w.actions) == 0 {
				return errNoData
			}
			in := map[string]any{"actionId": w.actions[rnd.IntN(len(w.actions))], "status": "IN_PROGRESS", "progressPercent": 5 * rnd.IntN(20),
				"note": fmt.Sprintf("Benchmark update %d", rnd.IntN(1e6))}
			_, err := user.do(ctx, "RecordProgress", recordProgressMutation, map[string]any{"input": in})
			return err
		},
	}
	if f, ok := read[name]; ok {
		return f
	}
	if f, ok := write[name]; ok {
		return f
	}
	// mixed: 80 % reads, 20 % writes.
	reads := []op{read["dashboard"], read["plan-page"], read["institution-flags"], read["dashboard"]}
	writes := []op{write["record-progress"], write["save-responses"]}
	return func(ctx context.Context, rnd *rand.Rand) error {
		if rnd.IntN(10) < 8 {
			return reads[rnd.IntN(len(reads))](ctx, rnd)
		}
		return writes[rnd.IntN(len(writes))](ctx, rnd)
	}
}

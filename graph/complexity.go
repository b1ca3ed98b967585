package graph

import (
	"github.com/gendertrack/gendertrack/graph/generated"
	"github.com/gendertrack/gendertrack/graph/model"
)

// cost of a connection or list with first: first times the cost of its
// selection (RULES.md section 2). def is the schema's default for first.
func cost(def int) func(child int, first *int) int {
	return func(child int, first *int) int {
		n := def
		if first != nil {
			n = *first
		}
		if n < 1 {
			n = 1
		}
		return n * child
	}
}

// setComplexity gives every paginated field its cost function.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Institutions = func(child int, first *int, _ *string, _ *string) int { return cost(50)(child, first) }
	c.Query.Partners = func(child int, first *int, _ *string) int { return cost(50)(child, first) }
	c.Query.AuditEvents = func(child int, _ *model.AuditFilter, first *int, _ *string) int { return cost(50)(child, first) }
	c.Institution.Units = func(child int, first *int, _ *string) int { return cost(100)(child, first) }
	c.Institution.ActionPlans = func(child int, first *int, _ *string, _ *string) int { return cost(20)(child, first) }
	c.ActionPlan.Actions = func(child int, _ *model.ActionFilter, first *int, _ *string) int { return cost(50)(child, first) }
	c.Action.Updates = func(child int, first *int, _ *string) int { return cost(20)(child, first) }
	c.Institution.Assessments = func(child int, first *int, _ *string, _ *string) int { return cost(20)(child, first) }
	c.Assessment.Responses = func(child int, _ *string, first *int, _ *string) int { return cost(200)(child, first) }
	c.Query.GapFlags = func(child int, _ *model.GapFlagFilter, first *int, _ *string) int { return cost(50)(child, first) }
	c.Institution.GapFlags = func(child int, _ *model.GapFlagFilter, first *int, _ *string) int { return cost(50)(child, first) }
	c.ActionPlan.GapFlags = func(child int, _ *model.GapFlagFilter, first *int, _ *string) int { return cost(50)(child, first) }
}

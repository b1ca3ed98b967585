package questionnaire

// Score is points earned out of the points at stake.
type Score struct {
	Points, MaxPoints float64
	Percent           *float64 // 100 * Points / MaxPoints; nil when MaxPoints is 0
}

func (s *Score) add(points, weight float64) {
	s.Points += points
	s.MaxPoints += weight
}

func (s *Score) finish() {
	if s.MaxPoints > 0 {
		p := 100 * s.Points / s.MaxPoints
		s.Percent = &p
	}
}

// AreaScore is the score of one area.
type AreaScore struct {
	AreaKey  string
	Score    Score
	Answered int // questions of the area with a stored response, not-applicable ones included
	Total    int // questions of the area
}

// Scores are the scores of an assessment.
type Scores struct {
	Overall Score
	Areas   []AreaScore // in questionnaire order
}

// Compute scores answers, keyed by question key, by section 6 of RULES.md:
// every answered, scored, applicable question earns f * weight points out of
// weight. Answers to unknown questions are ignored.
func Compute(q *Questionnaire, answers map[string]Answer) Scores {
	s := Scores{Areas: []AreaScore{}}
	if q == nil {
		return s
	}
	for _, a := range q.Areas {
		as := AreaScore{AreaKey: a.Key, Total: len(a.Questions)}
		for i := range a.Questions {
			qu := &a.Questions[i]
			ans, ok := answers[qu.Key]
			if !ok {
				continue
			}
			as.Answered++
			if f, scored := qu.Fraction(ans); scored {
				as.Score.add(f*qu.Weight, qu.Weight)
				s.Overall.add(f*qu.Weight, qu.Weight)
			}
		}
		as.Score.finish()
		s.Areas = append(s.Areas, as)
	}
	s.Overall.finish()
	return s
}

// Completion tells how much of a questionnaire has been answered.
type Completion struct {
	Answered        int      // questions with a stored response, not-applicable ones included
	Total           int      // all questions
	RequiredMissing []string // keys of required questions without a response, in questionnaire order; never nil
}

// Complete measures the completion of answers, keyed by question key.
func Complete(q *Questionnaire, answers map[string]Answer) Completion {
	c := Completion{RequiredMissing: []string{}}
	if q == nil {
		return c
	}
	for _, a := range q.Areas {
		for _, qu := range a.Questions {
			c.Total++
			if _, ok := answers[qu.Key]; ok {
				c.Answered++
			} else if qu.Required {
				c.RequiredMissing = append(c.RequiredMissing, qu.Key)
			}
		}
	}
	return c
}

// Finding is a finding raised by a question's gap.
type Finding struct {
	AreaKey, QuestionKey string
	Title                Text
	Category, Severity   string
}

// Findings returns the finding of every answered, scored, applicable question
// with a gap whose fraction is below the gap's threshold, in questionnaire
// order. It never returns nil.
func Findings(q *Questionnaire, answers map[string]Answer) []Finding {
	out := []Finding{}
	if q == nil {
		return out
	}
	for _, a := range q.Areas {
		for i := range a.Questions {
			qu := &a.Questions[i]
			if qu.Gap == nil {
				continue
			}
			ans, ok := answers[qu.Key]
			if !ok {
				continue
			}
			if f, scored := qu.Fraction(ans); scored && f < qu.Gap.Below {
				out = append(out, Finding{
					AreaKey:     a.Key,
					QuestionKey: qu.Key,
					Title:       qu.Gap.Finding,
					Category:    qu.Gap.Category,
					Severity:    qu.Gap.Severity,
				})
			}
		}
	}
	return out
}

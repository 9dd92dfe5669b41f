package web

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/quiz"
)

// The handlers below only translate: they read the request, call the
// assessment use cases in internal/app (StartAttempt, Submit) with the
// request's context, and write the answer. The rules (exam unlock, attempt
// limit, grading, late submissions, certificates) live there.

// submitResult is the contract's answer to a submission (app.Result).
type submitResult = app.Result

// apiQuestion is a drawn question as the learner sees it.
type apiQuestion = app.PresentedQuestion

// apiOption is an option of an apiQuestion.
type apiOption = app.PresentedOption

// --- JSON API ---

func (s *server) apiStartAttempt(c *fiber.Ctx) error {
	lang := apiLang(c)
	st, err := s.app.StartAttempt(c.UserContext(), *currentUser(c), c.Params("course"), c.Params("module"), lang)
	if err != nil {
		return err
	}
	var exp *string
	if !st.Attempt.ExpiresAt.IsZero() {
		t := st.Attempt.ExpiresAt.UTC().Format(time.RFC3339)
		exp = &t
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"attempt_id": st.Attempt.ID, "questions": app.Present(st.Course, st.Questions, lang), "expires_at": exp})
}

func (s *server) apiSubmit(c *fiber.Ctx) error {
	var body struct {
		Answers json.RawMessage `json:"answers"`
	}
	_, res, err := s.app.Submit(c.UserContext(), *currentUser(c), c.Params("attempt"), func([]quiz.Drawn) (quiz.Answers, error) {
		if err := decodeJSON(c, &body); err != nil {
			return nil, err
		}
		if len(body.Answers) == 0 {
			return nil, errs.Field("answers", "required")
		}
		return quiz.ParseAnswers(body.Answers)
	})
	if err != nil {
		return err
	}
	return c.JSON(res)
}

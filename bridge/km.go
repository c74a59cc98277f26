package bridge

import (
	"context"

	"github.com/kmbridge/kmbridge/kmclient"
)

// KM is what the core needs from the KM client; *kmclient.Client implements it.
// It is an interface so a test can wrap the real client (to delay or fail a call)
// while still speaking HTTP to the simulator.
type KM interface {
	InitClient(ctx context.Context, req kmclient.InitClientRequest) (*kmclient.InitClientResponse, error)
	Chat(ctx context.Context, req kmclient.ChatRequest) (*kmclient.Answer, error)
	NewChat(ctx context.Context, req kmclient.NewChatRequest) (*kmclient.Answer, error)
	NewChatStream(ctx context.Context, req kmclient.NewChatRequest) (*kmclient.Stream, error)
	Hit(ctx context.Context, req kmclient.HitRequest) (*kmclient.Answer, error)
	Flow(ctx context.Context, req kmclient.FlowRequest) (*kmclient.Answer, error)
	CommonQuestions(ctx context.Context, req kmclient.CommonQuestionsRequest) ([]kmclient.QuestionCategory, error)
	HotQuestions(ctx context.Context, req kmclient.HotQuestionsRequest) ([]kmclient.Question, error)
	SurveyQuestion(ctx context.Context, req kmclient.SurveyQuestionRequest) error
	SurveySession(ctx context.Context, req kmclient.SurveySessionRequest) (*kmclient.SurveySessionResult, error)
	SmartHint(ctx context.Context, req kmclient.SmartHintRequest) ([]kmclient.Question, error)
	SwitchStaff(ctx context.Context, sessionID kmclient.ID) error
}

var _ KM = (*kmclient.Client)(nil)

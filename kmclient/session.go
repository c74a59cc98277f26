package kmclient

// InitClientResponse is the data of POST /v1/initClient.
type InitClientResponse struct {
	SessionID           ID                   `json:"sessionId"`
	LogID               ID                   `json:"logId"`
	WelcomeMessage      string               `json:"welcomeMessage"`
	LeadingWord         string               `json:"leadingWord"`
	CommonQuestionList  []Question           `json:"commonQuestionList"`
	CommonQuestionModel *CommonQuestionModel `json:"commonQuestionModel"`
}

// CommonQuestionModel is an FAQ template with its categories and shortcut entries.
type CommonQuestionModel struct {
	ID                         ID                 `json:"id"`
	RobotID                    ID                 `json:"robotId,omitempty"`
	Name                       string             `json:"name"`
	ChannelID                  ID                 `json:"channelId,omitempty"`
	Description                string             `json:"description"`
	ModelKey                   string             `json:"modelKey,omitempty"`
	CommonQuestionCategoryList []QuestionCategory `json:"commonQuestionCategoryList"`
	ShortcutEntryList          []ShortcutEntry    `json:"shortcutEntryList,omitempty"`
}

// QuestionCategory is an FAQ category with its questions (initClient and
// /v1/chat/commonQuestions).
type QuestionCategory struct {
	ID           ID         `json:"id"`
	ModelID      ID         `json:"modelId"`
	Name         string     `json:"name"`
	Sorts        int        `json:"sorts,omitempty"`
	QuestionList []Question `json:"questionList"`
}

// ShortcutEntry is a shortcut shown under the input box: type 1 text, 2 link.
type ShortcutEntry struct {
	ModelID   ID     `json:"modelId"`
	Type      int    `json:"type"`
	Name      string `json:"name"`
	Content   string `json:"content"`
	Pic       string `json:"pic"`
	Sorts     int    `json:"sorts,omitempty"`
	IsDefault int    `json:"isDefault,omitempty"`
}

// Shortcut entry types.
const (
	ShortcutText = 1
	ShortcutLink = 2
)

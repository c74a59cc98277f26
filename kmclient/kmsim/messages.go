package kmsim

import (
	"fmt"

	"github.com/kmbridge/kmbridge/kmclient"
)

// KM's failure messages, verbatim from the seeds. Tests elsewhere match on them.
const (
	MsgSessionExpired  = kmclient.MsgSessionExpired
	MsgEmptyQuestion   = "Question content cannot be empty"
	MsgEvaluated       = "This reply has been evaluated!"
	MsgNoRelation      = "The relationship between sessionId and sessionLogId does not exist!"
	MsgNoFlow          = "The system could not find the process"
	MsgNoRobot         = "The robot does not exist or has been deleted!"
	MsgNoScene         = "The scene does not exist"
	MsgNoQuestion      = "The problem does not exist or has been deleted!"
	MsgCategoryNotOurs = "Category doesn't belong to the Robot!"
	MsgKBFull          = "Your knowledge base has reached its limit. To upgrade the knowledge base capacity, please contact Udesk"
	MsgAnswerEmpty     = "【answer.content】Answer cannot be empty"
	MsgChannelEmpty    = "【channelList】org.hibernate.validator.constraints.NotEmpty.message"
	MsgSimilarInvalid  = "Similar questions do not meet the requirements (similar questions can not be null characters and the length can not be greater than 200 characters!)"
	MsgStartTimeEmpty  = "Start time of effective time cannot be empty"
	MsgBodyMissing     = "Required request body is missing"

	// The seeds do not document authentication failures; these are the simulator's.
	MsgSignatureFailed = "Signature verification failed"
	MsgRequestExpired  = "Request expired"
)

// Message formats with a parameter, verbatim from the seeds.
const (
	fmtNotNull        = "【%s】javax.validation.constraints.NotNull.message"
	fmtRange          = "【%s】javax.validation.constraints.%s.message"
	fmtDuplicate      = "Duplicate with existing problems! Problem Id:%d"
	fmtSceneMissing   = "Scene does not exist or has been deleted! Scene ID:%d"
	fmtIntConvert     = "Failed to convert value of type 'java.lang.String' to required type 'int'; nested exception is java.lang.NumberFormatException: For input string: \"%s\""
	fmtJSONParse      = "JSON parse error: %s"
	fmtNotLong        = "Cannot deserialize value of type `java.lang.Long` from String %q: not a valid Long value"
	fmtMissingParam   = "Required Integer parameter '%s' is not present"
	fmtNoHandler      = "No handler found for %s %s"
	fmtMethodNotAllow = "Request method '%s' not supported"
)

// NotNullMessage is KM's message for a missing required field, e.g.
// "【sessionId】javax.validation.constraints.NotNull.message".
func NotNullMessage(field string) string { return fmt.Sprintf(fmtNotNull, field) }

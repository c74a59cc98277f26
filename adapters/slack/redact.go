package slackadapter

import "strings"

// responseURLError hides a response_url (a short-lived credential for posting to the
// user) from an error's text, keeping the error chain for the retry decisions.
type responseURLError struct {
	err error
	url string
}

func (e responseURLError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.url, "<response_url>")
}

func (e responseURLError) Unwrap() error { return e.err }

// hideResponseURL wraps err so that u never reaches a log line through it.
func hideResponseURL(err error, u string) error {
	if err == nil || u == "" {
		return err
	}
	return responseURLError{err: err, url: u}
}

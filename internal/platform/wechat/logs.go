package wechat

import (
	"io"

	"github.com/sirupsen/logrus"
)

// QuietLibraryLogs silences the global logrus logger that silenceper/wechat
// writes to. Importing the library's root package sets that logger to Debug
// level on stdout, and Debug lines of the library can carry request URLs with
// the app secret and access tokens. QuietLibraryLogs sets the level to Warn
// and the output to io.Discard, so nothing of the library reaches stdout; the
// outcome of every call is logged by MiniProgram through log/slog instead.
//
// NewMiniProgram calls it; the composition root should also call it at start,
// before anything else uses the library. It is safe for concurrent use. It
// changes the process-wide logrus logger, so code that wants logrus output of
// its own must configure logrus after this call.
func QuietLibraryLogs() {
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetOutput(io.Discard)
}

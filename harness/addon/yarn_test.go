package addon

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHistoryReadyAndHeadline(t *testing.T) {
	assert.Empty(t, HistoryReady("widget", "hadoop003", true))
	assert.Equal(t, []string{"widget: the history server on hadoop003 does not answer"}, HistoryReady("widget", "hadoop003", false))
	assert.Equal(t, "Widget: history server on hadoop003 answering (port 8082); 2 running application(s)\n",
		HistoryHeadline("Widget", "hadoop003", true, 8082, 2))
	assert.Contains(t, HistoryHeadline("Gadget", "hadoop003", false, 18080, 0), "NOT answering")
}

package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

// GetClock answers the program's date and time, so a client on a
// compressed clock (IPPO_MONTH_LENGTH) reads "today" from the server
// rather than from its own calendar.
func (s *Server) GetClock(c *gin.Context) {
	now := time.Now()
	out := Clock{
		Today:       s.Clock.Today(now),
		RealTime:    now.UTC(),
		ProgramTime: s.Clock.Program(now).In(ippo.Tokyo),
		Compressed:  s.Clock.Compressed(),
	}
	if s.Clock.Compressed() {
		month, day := s.Clock.MonthLength.String(), (s.Clock.MonthLength / 30).String()
		out.MonthLength, out.DayLength = &month, &day
	}
	c.JSON(http.StatusOK, out)
}

package httpapi_test

import "github.com/jarvis/jarvis-auth/domain/user"

type authtestUserID = user.ID

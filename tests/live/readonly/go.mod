module gostuck.example/livereadonly

go 1.19

module gostuck.example/livegrow

go 1.19

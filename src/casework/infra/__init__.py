"""What every feature stands on and none of them owns: the database and its sessions,
the base repository and bulk writes, ids and pagination, the HTTP edge (strict input,
the request guard, routing, problem responses, the OpenAPI description), secret boxes
and key files, logging, and the background-job machinery."""

"""People who sign in to the pages (issue 12): one ``User`` per e-mail address."""

VERSION = 120
DESCRIPTION = "User ids and e-mail addresses unique"

STATEMENTS = (
    "CREATE CONSTRAINT user_id_unique IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
    "CREATE CONSTRAINT user_email_unique IF NOT EXISTS FOR (u:User) REQUIRE u.email IS UNIQUE",
)

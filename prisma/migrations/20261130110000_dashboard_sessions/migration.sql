-- Server-side dashboard sessions (issue 11, item 9): the cookie's secret is kept only as a
-- SHA-256, with the hash of the admin token that opened it, so sign-out and removing a token revoke.
-- CreateTable
CREATE TABLE "dashboard_sessions" (
    "id_hash" TEXT NOT NULL,
    "admin_token_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "dashboard_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- CreateIndex
CREATE INDEX "dashboard_sessions_expires_at_idx" ON "dashboard_sessions"("expires_at");


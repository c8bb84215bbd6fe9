-- CreateTable
CREATE TABLE "erased_addresses" (
    "hash" TEXT NOT NULL,
    "erased_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "erased_addresses_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "privacy_audit" (
    "id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "privacy_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "privacy_audit_at_idx" ON "privacy_audit"("at");


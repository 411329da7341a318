-- Argo CD health of a Proposal (resource.customizations.health.fogcompute.io_Proposal).
-- A Proposal runs its course once: Progressing while it waits for its deposit (Pending), is
-- being voted on (Voting) or has passed and waits to apply; Healthy when it ended the way
-- governance decided, Executed (its changes in force) or Rejected (voted down, vetoed or no
-- quorum: a legitimate outcome, named in the message); Degraded when the ledger cannot serve
-- it, the deposit was refused, its changes could not apply if it passed now (Applied=False,
-- WouldNotApply, while voting), or it Failed (a spec the operator refused, or changes that
-- could not apply when it passed).
local hs = {}

local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to take the deposit"
  return hs
end

local phase = obj.status.phase
if phase == "Failed" then
  local applied = condition("Applied")
  local deposited = condition("Deposited")
  hs.status = "Degraded"
  if applied ~= nil and applied.status == "False" then
    hs.message = applied.message
  elseif deposited ~= nil and deposited.status == "False" then
    hs.message = deposited.message
  else
    hs.message = "The proposal failed"
  end
  return hs
end
if phase == "Executed" then
  hs.status = "Healthy"
  hs.message = "Executed: the changes are in force"
  return hs
end
if phase == "Rejected" then
  local decided = condition("Decided")
  hs.status = "Healthy"
  hs.message = "Rejected by the vote (" .. ((decided ~= nil and decided.reason) or "rejected") .. ")"
  return hs
end

local ledger = condition("LedgerReady")
if ledger ~= nil and ledger.status == "False" then
  hs.status = "Degraded"
  hs.message = ledger.message
  return hs
end
local deposited = condition("Deposited")
if deposited ~= nil and deposited.status == "False" then
  hs.status = "Degraded"
  hs.message = deposited.message
  return hs
end
-- Flagged while voting: passing it would end Failed, so it needs a new Proposal now.
local applied = condition("Applied")
if applied ~= nil and applied.status == "False" then
  hs.status = "Degraded"
  hs.message = applied.message
  return hs
end

hs.status = "Progressing"
if phase == "Voting" then
  hs.message = "Voting until " .. (obj.status.votingEndTime or "the period ends")
elseif phase == "Passed" then
  hs.message = "Passed: applying the changes"
else
  hs.message = "Waiting for the deposit to be recorded"
end
return hs

-- Argo CD health of a Stake (resource.customizations.health.fogcompute.io_Stake).
-- Degraded whenever the ledger cannot serve it (LedgerReady=False: no database configured, or
-- the database is unavailable), its history breaks an invariant (LedgerConsistent=False), the
-- bond was refused (Bonded=False: InsufficientFunds, BelowMinimumStake), it is jailed, or its
-- spec was refused (phase Failed).
-- Otherwise by phase: Pending (bond not recorded yet) and Unbonding are Progressing; Bonded
-- and Unbonded (the tokens went back: what spec.unbond asked for) are Healthy.
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

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to record the bond"
  return hs
end

local ledger = condition("LedgerReady")
if ledger ~= nil and ledger.status == "False" then
  hs.status = "Degraded"
  hs.message = ledger.message
  return hs
end
local consistent = condition("LedgerConsistent")
if consistent ~= nil and consistent.status == "False" then
  hs.status = "Degraded"
  hs.message = consistent.message
  return hs
end

local bonded = condition("Bonded")
local phase = obj.status.phase
if phase == "Failed" or phase == "Jailed" then
  hs.status = "Degraded"
  if phase == "Jailed" then
    hs.message = "Jailed until " .. (obj.status.jailedUntil or "unknown") .. " after a slash"
  else
    hs.message = (bonded ~= nil and bonded.message) or "The stake failed"
  end
  return hs
end
local refused = { InsufficientFunds = true, BelowMinimumStake = true }
if bonded ~= nil and bonded.status == "False" and refused[bonded.reason] then
  hs.status = "Degraded"
  hs.message = bonded.message
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

if phase == "Bonded" then
  hs.status = "Healthy"
  hs.message = "Bonded " .. (obj.status.bonded or "0")
elseif phase == "Unbonded" then
  hs.status = "Healthy"
  hs.message = "Unbonded: the tokens went back to the account"
elseif phase == "Unbonding" then
  hs.status = "Progressing"
  hs.message = "Unbonding until " .. (obj.status.unbondingCompleteTime or "the period ends")
else
  hs.status = "Progressing"
  hs.message = (bonded ~= nil and bonded.message) or "Waiting for the bond to be recorded"
end
return hs

-- Argo CD health of a FogJob (resource.customizations.health.fogcompute.io_FogJob).
-- A FogJob is a batch job, judged as Argo CD judges a batch/v1 Job: Progressing until it ends,
-- Healthy once Succeeded, Degraded once Failed (backoffLimit, evictionLimit or deadline spent,
-- or a spec the operator refused). Reads status.phase, status.conditions (Ready, Complete,
-- Failed), status.pendingReason and status.observedGeneration, as the operator writes them.
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

-- First: a refused spec sets only the Failed condition, no phase.
local failed = condition("Failed")
if (failed ~= nil and failed.status == "True") or (obj.status ~= nil and obj.status.phase == "Failed") then
  hs.status = "Degraded"
  hs.message = (failed ~= nil and failed.message) or "The job failed"
  return hs
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to queue the job"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local phase = obj.status.phase
if phase == "Succeeded" then
  local complete = condition("Complete")
  hs.status = "Healthy"
  hs.message = (complete ~= nil and complete.message) or "The job succeeded"
elseif phase == "Running" then
  hs.status = "Progressing"
  hs.message = "Running: " .. (obj.status.readyText or "0/0") .. " replicas ready"
elseif phase == "Scheduled" then
  local ready = condition("Ready")
  hs.status = "Progressing"
  hs.message = (ready ~= nil and ready.message) or "Pods are starting"
elseif phase == "Pending" then
  hs.status = "Progressing"
  hs.message = "Waiting for a placement: " .. (obj.status.pendingReason or "no node fits yet")
else
  hs.status = "Progressing"
  hs.message = "Queued for the next scheduling round"
end
return hs
